import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { CliError } from '../errors';

/** One control plane and the scope commands act in by default. */
export const ContextConfig = z
  .object({
    url: z.string().regex(/^https?:\/\//, 'must be an http:// or https:// URL'),
    apiKey: z.string().min(1),
    account: z.string().min(1).default('default'),
    org: z.string().min(1).optional(),
    project: z.string().min(1).optional(),
  })
  .strict();
export type ContextConfig = z.infer<typeof ContextConfig>;

export const CliConfig = z
  .object({
    currentContext: z.string().min(1).optional(),
    contexts: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'context names are letters, digits and _ . -'), ContextConfig).default({}),
  })
  .strict();
export type CliConfig = z.infer<typeof CliConfig>;

/** `$XDG_CONFIG_HOME/conduit`, else `~/.config/conduit`: where the API keys live. */
export function configDirectory(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  const xdg = env['XDG_CONFIG_HOME'];
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(env['HOME'] || homedir, '.config'), 'conduit');
}

/**
 * The CLI's config file. It holds API keys, so the directory is 0700 and the file 0600, whatever the umask;
 * a write goes to a private temporary file first and is renamed over the old one, so a crash never leaves half a file.
 */
export class ConfigStore {
  readonly file: string;

  constructor(
    readonly directory: string,
    private readonly warn: (line: string) => void = () => undefined,
  ) {
    this.file = path.join(directory, 'config.yaml');
  }

  load(): CliConfig {
    if (!existsSync(this.file)) return { contexts: {} };
    const mode = statSync(this.file).mode & 0o777;
    if (mode & 0o077) this.warn(`warning: ${this.file} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${this.file}`);
    let raw: unknown;
    try {
      raw = YAML.parse(readFileSync(this.file, 'utf8'));
    } catch (error) {
      throw CliError.usage(`${this.file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
    const parsed = CliConfig.safeParse(raw ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw CliError.usage(`${this.file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}; fix it or run conduit login again`);
    }
    return parsed.data;
  }

  save(config: CliConfig): void {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    chmodSync(this.directory, 0o700);
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, YAML.stringify(CliConfig.parse(config)), { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.file);
  }
}
