import * as os from 'node:os';
import { ApiClient } from './api/api-client';
import { configDirectory, ConfigStore, type CliConfig, type ContextConfig } from './config/config-store';
import { CliError } from './errors';
import type { Io } from './io';

export const DEFAULT_URL = 'http://127.0.0.1:7420';

/** The options every command takes; each overrides the environment, which overrides the context. */
export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  org?: string;
  project?: string;
  context?: string;
}

export interface Connection {
  url: string;
  apiKey: string | undefined;
  org: string | undefined;
  project: string | undefined;
  /** The context the settings came from, if any. */
  contextName: string | undefined;
  context: ContextConfig | undefined;
}

/** `--org ""` says "the account" explicitly, overriding the context's org. */
const pick = (...values: Array<string | undefined>): string | undefined => {
  const found = values.find((v) => v !== undefined);
  return found === '' ? undefined : found;
};

/** Settings for one invocation: flags, then CONDUIT_* variables, then the selected context, then defaults. */
export class Session {
  readonly store: ConfigStore;
  private config: CliConfig | undefined;

  constructor(
    private readonly io: Io,
    private readonly globals: GlobalOptions,
  ) {
    this.store = new ConfigStore(configDirectory(io.env, os.homedir()), (line) => io.err(line));
  }

  loadConfig(): CliConfig {
    this.config ??= this.store.load();
    return this.config;
  }

  /** The context named by --context or CONDUIT_CONTEXT, else the current one. */
  contextName(): string | undefined {
    return pick(this.globals.context, this.io.env['CONDUIT_CONTEXT']) ?? this.loadConfig().currentContext;
  }

  connection(): Connection {
    const config = this.loadConfig();
    const explicit = pick(this.globals.context, this.io.env['CONDUIT_CONTEXT']);
    if (explicit && !config.contexts[explicit]) {
      const known = Object.keys(config.contexts);
      throw CliError.usage(`no context '${explicit}' in ${this.store.file}${known.length ? ` (known: ${known.join(', ')})` : ''}; create it with conduit login --context ${explicit}`);
    }
    const contextName = explicit ?? config.currentContext;
    const context = contextName ? config.contexts[contextName] : undefined;
    const env = this.io.env;
    return {
      url: (pick(this.globals.url, env['CONDUIT_URL']) ?? context?.url ?? DEFAULT_URL).replace(/\/$/, ''),
      apiKey: pick(this.globals.apiKey, env['CONDUIT_API_KEY']) ?? context?.apiKey,
      org: this.globals.org !== undefined || env['CONDUIT_ORG'] !== undefined ? pick(this.globals.org, env['CONDUIT_ORG']) : context?.org,
      project: this.globals.project !== undefined || env['CONDUIT_PROJECT'] !== undefined ? pick(this.globals.project, env['CONDUIT_PROJECT']) : context?.project,
      contextName: context ? contextName : undefined,
      context,
    };
  }

  /** An API client for this invocation; without an API key there is nothing to call with. */
  client(): ApiClient {
    const connection = this.connection();
    if (!connection.apiKey) {
      throw CliError.usage('no API key: run conduit login --url URL --api-key-file FILE, or set CONDUIT_API_KEY');
    }
    if (connection.project && !connection.org) throw CliError.usage('--project needs --org (a project lives in an organization)');
    return new ApiClient(this.io.fetch, connection.url, connection.apiKey, { org: connection.org, project: connection.project });
  }
}
