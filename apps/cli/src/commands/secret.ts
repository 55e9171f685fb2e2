import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ApiClient } from '../api/api-client';
import type { DelegateGroupView, Page, SecretView } from '../api/views';
import { CliError } from '../errors';
import type { Io } from '../io';
import { payloadOf, sealForDelegateGroups, type SealableKind, type SecretAddress } from '../secrets/seal';
import { action, collectTag } from './command-kit';

interface ValueOptions {
  fromFile?: string;
  fromLiteral?: string;
  kind: SealableKind;
}

const VALUE_HELP = `
The value comes from --from-file, --from-literal or standard input (one trailing newline is dropped from
text read on stdin). It is sealed on this machine to the public keys of the delegate groups
(GET /v1/delegate-groups): the control plane stores an envelope it cannot open, and only delegates can.
--from-literal leaves the value in your shell history; prefer a file or stdin.`;

async function readValue(io: Io, options: ValueOptions): Promise<{ value: Buffer; fileName?: string }> {
  if (options.fromFile !== undefined && options.fromLiteral !== undefined) throw CliError.usage('give either --from-file or --from-literal, not both');
  if (options.fromLiteral !== undefined) return { value: Buffer.from(options.fromLiteral, 'utf8') };
  if (options.fromFile !== undefined) {
    try {
      return { value: readFileSync(options.fromFile), fileName: options.fromFile };
    } catch (error) {
      throw CliError.usage(`cannot read --from-file ${options.fromFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  if (io.stdinIsTTY) throw CliError.usage('no value: give --from-file FILE or --from-literal VALUE, or pipe it on standard input');
  const value = await io.readStdin();
  return { value: options.kind === 'text' ? Buffer.from(value.toString('utf8').replace(/\r?\n$/, ''), 'utf8') : value };
}

/** The account identifier of the API key (the sealing context names it), from GET /v1/organizations. */
async function accountOf(client: ApiClient): Promise<string> {
  return (await client.request<{ account: string }>('GET', '/v1/organizations', { scoped: false })).account;
}

async function seal(client: ApiClient, io: Io, options: ValueOptions, address: SecretAddress, version: number) {
  const { value, fileName } = await readValue(io, options);
  const groups = (await client.request<Page<DelegateGroupView>>('GET', '/v1/delegate-groups', { scoped: false })).items;
  const sealed = sealForDelegateGroups(payloadOf(options.kind, value, fileName), address, version, groups);
  value.fill(0);
  return { sealed, groups: sealed.recipients.map((r) => (r.kind === 'group' ? r.groupId : r.kind)) };
}

const valueOptions = (command: Command) =>
  command
    .option('--from-file <file>', 'read the value from a file')
    .option('--from-literal <value>', 'the value itself (ends up in shell history)')
    .addHelpText('after', VALUE_HELP);

export function registerSecret(program: Command, io: Io): void {
  const secret = program.command('secret').description('secrets whose values are sealed on this machine to the delegate groups’ keys');

  valueOptions(
    secret
      .command('create')
      .description('create a secret, sealing its value locally (the plaintext never reaches the control plane)')
      .argument('<identifier>', 'the secret identifier (letters, digits, _)')
      .addOption(new Option('--kind <kind>', 'text, or file (kept as bytes with its file name)').choices(['text', 'file']).default('text'))
      .option('--name <name>', 'display name (default: the identifier)')
      .option('--description <text>', 'description', '')
      .option('--tag <key=value>', 'a tag (repeatable)', collectTag),
  ).action(
    action<ValueOptions & { name?: string; description: string; tag?: Record<string, string> }, [string]>(io, async ([identifier], { session, options }) => {
      const client = session.client();
      const address = { account: await accountOf(client), org: client.scope.org ?? null, project: client.scope.project ?? null, identifier };
      const { sealed, groups } = await seal(client, io, options, address, 1);
      const created = await client.request<SecretView>('POST', '/v1/secrets', {
        json: { identifier, name: options.name ?? identifier, description: options.description, tags: options.tag ?? {}, kind: options.kind, sealed },
      });
      io.out(`created secret/${created.ref} (version ${created.version}, sealed here for delegate group${groups.length === 1 ? '' : 's'} ${groups.join(', ')})`);
    }),
  );

  valueOptions(
    secret
      .command('rotate')
      .description('store a new version of a secret’s value (current + 1), sealed locally for that version')
      .argument('<ref>', "secret reference: 'x', 'org.x' or 'account.x'")
      .addOption(new Option('--kind <kind>').hideHelp().default('text')),
  ).action(
    action<ValueOptions, [string]>(io, async ([ref], { session, options }) => {
      const client = session.client();
      const current = await client.request<SecretView>('GET', `/v1/secrets/${encodeURIComponent(ref)}`);
      if (current.kind !== 'text' && current.kind !== 'file') {
        throw new CliError(`secret '${ref}' is of kind '${current.kind}': the CLI seals text and file secrets only`);
      }
      const version = current.version + 1;
      const address = { account: await accountOf(client), org: current.scope.org, project: current.scope.project, identifier: current.identifier };
      const { sealed, groups } = await seal(client, io, { ...options, kind: current.kind }, address, version);
      const rotated = await client.request<SecretView>('PUT', `/v1/secrets/${encodeURIComponent(ref)}/value`, { json: { version, sealed } });
      io.out(`rotated secret/${ref} to version ${rotated.version} (sealed here for delegate group${groups.length === 1 ? '' : 's'} ${groups.join(', ')})`);
    }),
  );
}
