import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeSecretPayload, generateGroupKeyPair, loadPrivateKey, openSecret, SealedSecret, SecretMasker } from '@conduit/crypto';
import type { TaskSecret } from '@conduit/protocol';
import { TaskFailure } from './executor';
import { resolvingExternalSecrets } from './executors';
import { echoExecutor } from './executors/echo';
import { openTaskSecrets, TaskSecretValues } from './secrets';
import { sealedSecret } from './testing';

const GROUP = 'edge';
const pair = generateGroupKeyPair();
const key = { group: GROUP, privateKey: loadPrivateKey(pair.privateKey) };
const VAULT_TOKEN = 'hvs.unit-test-token-0123456789';
const DB_PASSWORD = 'pw-from-vault-7f3a9c';

/** A few lines of Vault's KV v2 read API: enough to see what the delegate sends. */
function fakeVault(): Promise<{ url: string; server: Server; seen: Array<{ path: string; token?: string; namespace?: string }> }> {
  const seen: Array<{ path: string; token?: string; namespace?: string }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const token = req.headers['x-vault-token'] as string | undefined;
    const namespace = req.headers['x-vault-namespace'] as string | undefined;
    seen.push({ path: req.url ?? '', ...(token ? { token } : {}), ...(namespace ? { namespace } : {}) });
    res.setHeader('content-type', 'application/json');
    if (token !== VAULT_TOKEN) return res.writeHead(403).end(JSON.stringify({ errors: ['permission denied'] }));
    if (req.url?.startsWith('/v1/secret/data/app/db')) {
      return res.writeHead(200).end(JSON.stringify({ data: { data: { password: DB_PASSWORD, user: 'app' }, metadata: { version: 2 } } }));
    }
    return res.writeHead(404).end(JSON.stringify({ errors: [] }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen })));
}

function referenceTo(vaultUrl: string, token: string, path = 'app/db'): TaskSecret {
  const tokenSecret = sealedSecret('vault_token', { kind: 'text', value: token }, GROUP, pair);
  return {
    ref: 'db_pw',
    secretId: 'secret:acme/-/-/db_pw',
    version: 1,
    kind: 'reference',
    reference: { manager: 'account.vault', path, key: 'password' },
    manager: {
      type: 'Vault',
      spec: { vaultUrl, authToken: 'vault_token', secretEngineName: 'secret', secretEngineVersion: 2, namespace: 'team-a' },
      secrets: [{ ...tokenSecret, kind: 'text', sealed: tokenSecret.sealed as Record<string, unknown> }],
    },
  };
}

describe('external secret references on the delegate', () => {
  let vault: Awaited<ReturnType<typeof fakeVault>>;
  beforeAll(async () => (vault = await fakeVault()));
  afterAll(() => new Promise<void>((resolve) => vault.server.close(() => resolve())));
  const signal = new AbortController().signal;

  it('opens the manager’s own token, reads the value from Vault KV v2 and registers both with the masker', async () => {
    const masker = new SecretMasker();
    const { values } = openTaskSecrets([referenceTo(vault.url, VAULT_TOKEN)], key, masker);
    expect(values.unresolved).toEqual(['db_pw']);
    expect(values.get('db_pw')).toBeUndefined();
    expect(masker.mask(`token ${VAULT_TOKEN}`)).toBe('token ***');

    await values.resolveReferences({ signal, environment: {} });
    expect(values.get('db_pw')).toEqual({ kind: 'text', value: DB_PASSWORD });
    expect(values.unresolved).toEqual([]);
    expect(masker.mask(`pw=${DB_PASSWORD} b64=${Buffer.from(DB_PASSWORD).toString('base64')}`)).toBe('pw=*** b64=***');
    expect(vault.seen.at(-1)).toEqual({ path: '/v1/secret/data/app/db', token: VAULT_TOKEN, namespace: 'team-a' });
  });

  it('fails naming the reference, the manager and what Vault answered, never a value', async () => {
    const { values } = openTaskSecrets([referenceTo(vault.url, 'hvs.wrong-token-abcdef')], key, new SecretMasker());
    const failure = await values.resolveReferences({ signal, environment: {} }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TaskFailure);
    expect((failure as TaskFailure).code).toBe('FORBIDDEN');
    expect((failure as TaskFailure).details.stage).toBe('authentication');
    expect((failure as Error).message).toBe(`secret 'db_pw' from manager 'account.vault': Vault at ${vault.url}/v1/secret/data/app/db answered 403 (permission denied)`);
    expect((failure as Error).message).not.toContain('wrong-token');
  });

  it('says when nothing is at the path', async () => {
    const { values } = openTaskSecrets([referenceTo(vault.url, VAULT_TOKEN, 'app/gone')], key, new SecretMasker());
    await expect(values.resolveReferences({ signal, environment: {} })).rejects.toThrow(`secret 'db_pw' from manager 'account.vault': Vault at ${vault.url}/v1/secret/data/app/gone answered 404 (nothing at this path)`);
  });

  it('resolves before the executor runs, so an echo of the value leaves masked', async () => {
    const masker = new SecretMasker();
    const { values } = openTaskSecrets([referenceTo(vault.url, VAULT_TOKEN)], key, masker);
    const logged: string[] = [];
    const stages: string[] = [];
    const echo = resolvingExternalSecrets(echoExecutor, {});
    const result = await echo.run({
      payload: { text: 'pw: <+secrets.getValue("db_pw")>' },
      secrets: values,
      signal,
      log: (_stream, text) => logged.push(masker.mask(text)),
      progress: (stage, status) => stages.push(`${stage}:${status}`),
    });
    expect(logged).toEqual(['pw: ***']);
    expect(masker.mask(JSON.stringify(result.output))).toBe('{"text":"pw: ***"}');
    expect(stages).toEqual(['resolution:started', 'resolution:succeeded']);
  });

  it('refuses a manager type that cannot read secrets', async () => {
    const secret = { ...referenceTo(vault.url, VAULT_TOKEN), manager: { type: 'Prometheus', spec: {}, secrets: [] } };
    const { values } = openTaskSecrets([secret], key, new SecretMasker());
    await expect(values.resolveReferences({ signal, environment: {} })).rejects.toThrow("secret 'db_pw' from manager 'account.vault': connector type 'Prometheus' cannot read secrets in this delegate version");
  });
});

describe('re-sealing for another group', () => {
  it('adds the other group as a recipient of the same ciphertext; the value is never in the answer', () => {
    const value = 'reseal-me-please-42';
    const secret = sealedSecret('org.shared', { kind: 'text', value }, GROUP, pair);
    const other = generateGroupKeyPair();
    const { values } = openTaskSecrets([secret], key, new SecretMasker());
    const sealed = (values as TaskSecretValues).reseal(secret.secretId, secret.version, [{ groupId: 'far', publicKey: other.publicKey }]);
    expect(sealed.ciphertext).toBe((secret.sealed as unknown as SealedSecret).ciphertext);
    expect(sealed.recipients.map((r) => (r.kind === 'group' ? r.groupId : r.keyId))).toEqual([GROUP, 'far']);
    const opened = openSecret(sealed, { secretId: secret.secretId, version: secret.version }, { kind: 'group', groupId: 'far', privateKey: loadPrivateKey(other.privateKey) });
    expect(opened.equals(encodeSecretPayload({ kind: 'text', value }))).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain(value);
  });

  it('refuses a version other than the one it was given', () => {
    const secret = sealedSecret('org.shared', { kind: 'text', value: 'reseal-me-please-42' }, GROUP, pair);
    const { values } = openTaskSecrets([secret], key, new SecretMasker());
    expect(() => values.reseal(secret.secretId, secret.version + 1, [{ groupId: 'far', publicKey: generateGroupKeyPair().publicKey }])).toThrow(
      "secret 'org.shared' is at version 3 now, not 4: re-seal again",
    );
  });
});
