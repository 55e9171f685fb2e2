// The Vault stand-in: KV v1 and v2 reads, token and AppRole auth, namespaces, Vault's error bodies.
import { startVault, VaultStandIn } from './vault';

describe('Vault stand-in', () => {
  let vault: VaultStandIn;
  beforeAll(async () => {
    vault = await startVault({
      mounts: {
        secret: {
          type: 'kv-v2',
          secrets: { 'app/db': [{ password: 'v1-pass' }, { password: 'v2-pass', user: 'app' }] },
        },
        legacy: { type: 'kv-v1', secrets: { 'ci/token': { value: 'kv1-value' } } },
      },
      namespaces: { 'team-a': { kv: { type: 'kv-v2', secrets: { deploy: [{ key: 'team-a-key' }] } } } },
      tokens: { 'hvs.limited': { allow: ['secret/data/other/*'] } },
      approle: { allow: ['secret/data/app/*'], policies: ['default', 'app-read'] },
    });
  });
  afterAll(() => vault?.stop());

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${vault.url}${path}`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const root = () => ({ 'X-Vault-Token': vault.rootToken });

  it('answers sys/health without a token, and 503 while sealed', async () => {
    expect(await get('/v1/sys/health')).toMatchObject({ status: 200, body: { initialized: true, sealed: false } });
    vault.setSealed(true);
    try {
      expect(await get('/v1/sys/health')).toMatchObject({ status: 503, body: { sealed: true } });
      expect(await get('/v1/secret/data/app/db', root())).toEqual({
        status: 503,
        body: { errors: ['Vault is sealed'] },
      });
    } finally {
      vault.setSealed(false);
    }
  });

  it('reads KV v2: latest and a given version, with metadata', async () => {
    const latest = await get('/v1/secret/data/app/db', root());
    expect(latest.status).toBe(200);
    expect(latest.body['data']).toMatchObject({
      data: { password: 'v2-pass', user: 'app' },
      metadata: { version: 2, destroyed: false },
    });
    const first = await get('/v1/secret/data/app/db?version=1', root());
    expect(first.body['data']).toMatchObject({ data: { password: 'v1-pass' }, metadata: { version: 1 } });
    expect(await get('/v1/secret/data/app/db?version=7', root())).toEqual({ status: 404, body: { errors: [] } });
  });

  it('reads KV v1 and answers a missing path with 404 {"errors":[]}', async () => {
    const secret = await get('/v1/legacy/ci/token', root());
    expect(secret).toMatchObject({ status: 200, body: { data: { value: 'kv1-value' }, lease_duration: 2764800 } });
    expect(await get('/v1/legacy/ci/missing', root())).toEqual({ status: 404, body: { errors: [] } });
  });

  it('answers 403 permission denied for no token, a wrong token and a path outside the policy', async () => {
    const denied = { status: 403, body: { errors: ['permission denied'] } };
    expect(await get('/v1/secret/data/app/db')).toEqual(denied);
    expect(await get('/v1/secret/data/app/db', { 'X-Vault-Token': 'hvs.wrong' })).toEqual(denied);
    expect(await get('/v1/secret/data/app/db', { 'X-Vault-Token': 'hvs.limited' })).toEqual(denied);
    expect(vault.requests.at(-2)?.headers['x-vault-token']).toBe('<redacted>');
  });

  it('looks up its own token', async () => {
    const self = await get('/v1/auth/token/lookup-self', root());
    expect(self.body['data']).toMatchObject({ id: vault.rootToken, policies: ['root'] });
    expect((await get('/v1/auth/token/lookup-self', { 'X-Vault-Token': 'nope' })).status).toBe(403);
  });

  it('logs in with AppRole and reads with the issued token, within its policy only', async () => {
    const login = await fetch(`${vault.url}/v1/auth/approle/login`, {
      method: 'POST',
      body: JSON.stringify({ role_id: vault.approle.roleId, secret_id: vault.approle.secretId }),
    });
    expect(login.status).toBe(200);
    const auth = (
      (await login.json()) as { auth: { client_token: string; lease_duration: number; policies: string[] } }
    ).auth;
    expect(auth).toMatchObject({ lease_duration: 2764800, policies: ['default', 'app-read'] });
    expect((await get('/v1/secret/data/app/db', { 'X-Vault-Token': auth.client_token })).status).toBe(200);
    expect((await get('/v1/legacy/ci/token', { 'X-Vault-Token': auth.client_token })).status).toBe(403);
    const recorded = vault.requests.find((r) => r.path === '/v1/auth/approle/login');
    expect(recorded?.body).toEqual({ role_id: vault.approle.roleId, secret_id: '<redacted>' });
  });

  it('refuses a bad AppRole login with 400 invalid role or secret ID', async () => {
    const response = await fetch(`${vault.url}/v1/auth/approle/login`, {
      method: 'POST',
      body: JSON.stringify({ role_id: vault.approle.roleId, secret_id: 'wrong' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: ['invalid role or secret ID'] });
  });

  it('reads from a namespace given by header or by path prefix', async () => {
    const byHeader = await get('/v1/kv/data/deploy', { ...root(), 'X-Vault-Namespace': 'team-a' });
    expect(byHeader.body['data']).toMatchObject({ data: { key: 'team-a-key' } });
    const byPath = await get('/v1/team-a/kv/data/deploy', root());
    expect(byPath.body['data']).toMatchObject({ data: { key: 'team-a-key' } });
    expect((await get('/v1/kv/data/deploy', root())).status).toBe(404);
  });
});
