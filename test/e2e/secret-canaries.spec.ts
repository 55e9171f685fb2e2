import { randomBytes } from 'node:crypto';
import { encodeSecretPayload, sealForGroups, secretSealingContext } from '@conduit/crypto';
import { stringify } from 'yaml';
import { startVault, type VaultStandIn } from '../peers';
import { CanaryScan } from '../support/canary-scan';
import { REDIS_URL, waitFor } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

type Json = Record<string, unknown>;

/** A value no code would write by accident, with characters that base64, hex and URL encoding all change. */
const canary = (label: string) => `CNRY${label}${randomBytes(12).toString('base64url')}/+=`;

/**
 * The secret canary sweep: unique values planted in every kind of secret and every way of storing one
 * (sealed by the control plane, sealed by the client, sealed for platform use, held in an external manager —
 * the Vault stand-in of test/peers), used by connectors that succeed and fail (Vault quoting the rejected
 * token in its error), by echo tasks, and by a pipeline step that prints them raw, base64, hex and
 * URL-encoded. Then everything the run left is searched: both processes' logs, every API response, task
 * records and events, pipeline logs, every PostgreSQL row of the run's database and every Redis key of its
 * prefix (BullMQ job data included).
 */
describe('secret canaries: no planted value leaves in any form (control plane + delegate processes, Vault stand-in)', () => {
  const C = {
    text: canary('text'),
    platform: canary('platform'),
    file: canary('file'),
    sshKey: canary('sshkey'),
    sshPassphrase: canary('sshpass'),
    certKey: canary('certkey'),
    sealed: canary('sealed'),
    vaultToken: `hvs.${canary('vaulttoken')}`,
    vaultWrongToken: `hvs.${canary('wrongtoken')}`,
    external: canary('external'),
  };
  let stack: Stack;
  let vault: VaultStandIn;
  const P = '?org=default&project=default';

  const created = async (route: string, body: unknown) => {
    const answer = await stack.api('POST', route, body);
    if (answer.status !== 201) throw new Error(`POST ${route}: ${answer.status} ${answer.text}`);
    return answer.body;
  };
  const echo = async (ref: string) => {
    const task = await created('/v1/tasks', { kind: 'echo', payload: { text: `value=<+secrets.getValue("${ref}")>` }, secrets: [ref] });
    await stack.api('GET', `/v1/tasks/${task['id'] as string}/events`);
    return (await stack.api('GET', `/v1/tasks/${task['id'] as string}?wait=true&timeoutMs=30000`)).body;
  };

  beforeAll(async () => {
    vault = await startVault({
      mounts: { secret: { type: 'kv-v2', secrets: { 'app/db': [{ password: C.external }] } } },
      tokens: { [C.vaultToken]: { allow: ['*'], policies: ['canary-read'] } },
      quoteRejectedTokens: true,
    });
    stack = await startStack({ name: 'canaries', delegateEnv: { DELEGATE_ALLOW_SHELL: 'true' } });
  });
  afterAll(async () => {
    await stack?.stop();
    await vault?.stop();
  });

  it('plants a canary in every kind of secret and every way of storing one', async () => {
    const secret = (identifier: string, body: Json) => created('/v1/secrets', { identifier, name: identifier, ...body });
    await secret('c_text', { kind: 'text', value: { value: C.text } });
    await secret('c_platform', { kind: 'text', allowPlatformUse: true, value: { value: C.platform } });
    await secret('c_file', { kind: 'file', value: { base64: Buffer.from(C.file).toString('base64'), fileName: 'canary.txt' } });
    await secret('c_ssh', { kind: 'ssh-key', value: { privateKey: C.sshKey, passphrase: C.sshPassphrase } });
    await secret('c_cert', { kind: 'certificate', value: { certificate: 'a public certificate, not a secret', privateKey: C.certKey } });
    const groups = (await stack.api('GET', '/v1/delegate-groups')).body['items'] as Array<{ name: string; publicKey: string }>;
    const sealed = sealForGroups(
      encodeSecretPayload({ kind: 'text', value: C.sealed }),
      secretSealingContext({ account: 'default', org: null, project: null, identifier: 'c_sealed' }, 1),
      groups.map((g) => ({ groupId: g.name, publicKey: g.publicKey })),
    );
    await secret('c_sealed', { kind: 'text', sealed });
    await secret('c_vault_token', { kind: 'text', value: { value: C.vaultToken } });
    await secret('c_vault_wrong', { kind: 'text', value: { value: C.vaultWrongToken } });
    await created('/v1/connectors', { identifier: 'vault', name: 'Vault', type: 'Vault', spec: { vaultUrl: vault.url, authToken: 'c_vault_token', secretEngineName: 'secret', secretEngineVersion: 2 } });
    await created('/v1/connectors', { identifier: 'vault_wrong', name: 'Vault, wrong token', type: 'Vault', spec: { vaultUrl: vault.url, authToken: 'c_vault_wrong', secretEngineName: 'secret', secretEngineVersion: 2 } });
    await secret('c_external', { kind: 'reference', reference: { manager: 'vault', path: 'app/db', key: 'password' } });
    await secret('c_external_denied', { kind: 'reference', reference: { manager: 'vault_wrong', path: 'app/db', key: 'password' } });
    // A rotation goes through the same sealing path as a creation.
    expect((await stack.api('PUT', '/v1/secrets/c_text/value', { version: 2, value: { value: `${C.text}v2` } })).status).toBe(200);
  });

  it('uses them in connection tests that succeed and that fail quoting the credential', async () => {
    expect((await stack.api('POST', '/v1/connectors/vault/test?wait=true')).body).toMatchObject({ status: 'SUCCESS' });
    const failed = (await stack.api('POST', '/v1/connectors/vault_wrong/test?wait=true')).body;
    expect(failed).toMatchObject({ status: 'FAILURE', stage: 'authentication' });
    // Vault's answer quoted the token; what reached the API says where it stood, masked.
    expect(failed['message']).toContain('token "***" is not valid');
  });

  it('echoes each of them from tasks, and a failing external read quotes the rejected token only masked', async () => {
    for (const ref of ['c_text', 'c_platform', 'c_file', 'c_ssh', 'c_sealed', 'c_external']) {
      expect(await echo(ref)).toMatchObject({ status: 'succeeded', output: { text: 'value=***' } });
    }
    const denied = await echo('c_external_denied');
    expect(denied).toMatchObject({ status: 'failed', error: { code: 'FORBIDDEN' } });
    expect((denied['error'] as Json)['message']).toContain('token "***" is not valid');
  });

  it('runs a pipeline step that prints them raw, base64, hex and URL-encoded: the log shows only ***', async () => {
    const refs = ['account.c_text', 'account.c_platform', 'account.c_file', 'account.c_ssh', 'account.c_sealed', 'account.c_external'];
    const command = refs
      .map((ref) =>
        [
          `v="<+secrets.getValue("${ref}")>"`,
          'echo "raw $v"',
          'echo "base64 $(printf %s "$v" | base64 -w0)"',
          `echo "hex $(printf %s "$v" | od -An -tx1 | tr -d ' \\n')"`,
          `echo "url $(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$v")"`,
        ].join('\n'),
      )
      .join('\n');
    const yaml = stringify({
      pipeline: {
        name: 'Canaries',
        identifier: 'canaries',
        stages: [{ name: 'Print', type: 'ci', spec: { steps: [{ name: 'Print secrets', type: 'run', spec: { shell: 'sh', command } }] } }],
      },
    });
    expect((await stack.api('POST', `/v1/pipelines${P}`, yaml)).status).toBe(201);
    const started = await created(`/v1/pipelines/canaries/executions${P}`, undefined);
    const execution = await waitFor(async () => {
      const current = (await stack.api('GET', `/v1/pipelines/canaries/executions/${started['id'] as string}${P}`)).body;
      return current['status'] !== 'running' && current;
    }, 'the pipeline to end', { process: stack.controlPlane });
    expect(execution).toMatchObject({ status: 'succeeded' });
    const logs = (await stack.api('GET', `/v1/pipelines/canaries/executions/${started['id'] as string}/logs${P}`)).text;
    for (const form of ['raw', 'base64', 'hex', 'url']) expect(logs.match(new RegExp(`\\[Print\\] ${form} \\*\\*\\*`, 'g'))).toHaveLength(refs.length);
  });

  it('finds no canary, in any form, in logs, API responses, task records, database rows or Redis keys', async () => {
    // The scanner finds what it looks for, in each form.
    const selfCheck = new CanaryScan({ text: C.text });
    selfCheck.text('a planted leak', `${Buffer.from(C.text).toString('hex').toUpperCase()} ${encodeURIComponent(C.text)} ${Buffer.from(C.text).toString('base64url')}`);
    expect(selfCheck.findings).toEqual(expect.arrayContaining(["a planted leak: canary 'text' (base64url)", "a planted leak: canary 'text' (HEX)", "a planted leak: canary 'text' (url-encoded)"]));

    const scan = new CanaryScan({ ...C, textV2: `${C.text}v2` });
    // Task records and their events, as the API serves them (the responses are scanned below).
    const tasks = (await stack.api('GET', '/v1/tasks?limit=500')).body['items'] as Array<{ id: string }>;
    for (const task of tasks) await stack.api('GET', `/v1/tasks/${task.id}/events`);
    expect(tasks.length).toBeGreaterThanOrEqual(10);

    scan.stack(stack);
    // No column is exempt: sealed envelopes are ciphertext and are searched like everything else.
    const database = await scan.postgres(stack.databaseUrl);
    const keys = await scan.redis(REDIS_URL, stack.redisPrefix);
    expect(scan.findings).toEqual([]);
    // The sweep saw real material: the tables the run wrote to, and BullMQ's keys of the run.
    expect(database.rows).toBeGreaterThan(50);
    expect(keys).toBeGreaterThan(0);
  });
});
