import { decodeSecretPayload, encodeSecretPayload, generateGroupKeyPair, openSecret, parseSealedSecret, sealForGroups, secretSealingContext } from '@conduit/crypto';
import { CloseCode, DELEGATE_SOCKET_PATH, PROTOCOL_VERSION } from '@conduit/protocol';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import WebSocket from 'ws';
import { ApiClient } from '../testing/api-client';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';
import { parseMasterKeys } from './master-keyring';

type Json = Record<string, unknown>;

/** Connects a delegate of `group` presenting `publicKey`; resolves with its welcome, or its close code. */
async function connectDelegate(cp: TestControlPlane, token: string, name: string, group: string, publicKey: string): Promise<{ welcome?: Json; closeCode?: number; socket: WebSocket }> {
  const socket = new WebSocket(`${cp.url.replace('http', 'ws')}${DELEGATE_SOCKET_PATH}`, { headers: { Authorization: `Bearer ${token}` } });
  return new Promise((resolve) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, name, group, tags: [], version: '0.1.0', capacity: 1, publicKey })));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Json;
      if (frame['type'] === 'welcome') resolve({ welcome: frame, socket });
    });
    socket.on('close', (code) => resolve({ closeCode: code, socket }));
  });
}

/** Every form a leaked value could take in stored or returned text. */
const forms = (value: string) => [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex'), encodeURIComponent(value)];

describe('secrets (real PostgreSQL): sealed on arrival, opened only by delegates', () => {
  let cp: TestControlPlane;
  let api: ApiClient;
  let token: string;
  const group = generateGroupKeyPair();
  const canary = `canary-${Date.now()}-Zx9/+q=`;
  const responses: string[] = [];
  const record = async <T>(p: Promise<T>) => {
    const r = await p;
    responses.push(JSON.stringify(r));
    return r;
  };

  beforeAll(async () => {
    cp = await startTestControlPlane({ env: { LOG_LEVEL: 'error' } });
    api = new ApiClient(cp.url, cp.adminApiKey);
    token = await cp.createDelegateToken();
  });
  afterAll(() => cp?.close());

  it('refuses a value nobody could open (no delegate group key yet, no platform use)', async () => {
    const response = await record(api.post('/v1/secrets', { identifier: 'early', name: 'Early', kind: 'text', value: { value: canary } }));
    expect(response.status).toBe(409);
    expect(response.body['code']).toBe('NO_RECIPIENTS');
  });

  it('learns a delegate group’s public key from its first delegate and refuses a replica with another key', async () => {
    const first = await connectDelegate(cp, token, 'edge-1', 'edge', group.publicKey);
    expect(first.welcome).toBeDefined();
    const groups = await api.get<{ items: Array<{ name: string; publicKey: string; keyId: string }> }>('/v1/delegate-groups');
    expect(groups.body.items).toEqual([expect.objectContaining({ name: 'edge', publicKey: group.publicKey, keyId: group.keyId })]);

    const impostor = await connectDelegate(cp, token, 'edge-2', 'edge', generateGroupKeyPair().publicKey);
    expect(impostor.closeCode).toBe(CloseCode.GroupKeyMismatch);
    first.socket.close();
  });

  it('seals a value to the group: the database holds no plaintext, the control plane cannot open it, the group can', async () => {
    const created = await record(api.post('/v1/secrets?org=default', { identifier: 'db_password', name: 'DB password', kind: 'text', value: { value: canary } }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ identifier: 'db_password', kind: 'text', version: 1, allowPlatformUse: false, scope: { level: 'org', org: 'default' } });

    const detail = await record(api.get('/v1/secrets/db_password?org=default'));
    expect(detail.body['versions']).toEqual([expect.objectContaining({ version: 1, sealedBy: 'control-plane', recipients: [{ kind: 'group', group: 'edge', keyId: group.keyId }] })]);

    const [row] = (await cp.dataSource.query(`SELECT v.sealed FROM secret_versions v JOIN secrets s ON s.id = v.secret_id WHERE s.identifier = 'db_password'`)) as Array<{ sealed: unknown }>;
    const sealed = parseSealedSecret(row?.sealed);
    const context = secretSealingContext({ account: 'default', org: 'default', project: null, identifier: 'db_password' }, 1);
    // A delegate of the group opens it with its private key.
    expect(decodeSecretPayload(openSecret(sealed, context, { kind: 'group', groupId: 'edge', privateKey: group.privateKey }))).toEqual({ kind: 'text', value: canary });
    // The control plane's own master key is not a recipient.
    const [master] = parseMasterKeys((await readFile(path.join(cp.home, 'master-key'), 'utf8')).trim());
    expect(() => openSecret(sealed, context, master as never)).toThrow(expect.objectContaining({ code: 'NO_RECIPIENT_FOR_KEY' }));
  });

  it('also seals to the master key when platform-run operations may use the secret', async () => {
    expect((await record(api.post('/v1/secrets', { identifier: 'slack_hook', name: 'Slack', kind: 'text', allowPlatformUse: true, value: { value: `${canary}-slack` } }))).status).toBe(201);
    const [row] = (await cp.dataSource.query(`SELECT v.sealed FROM secret_versions v JOIN secrets s ON s.id = v.secret_id WHERE s.identifier = 'slack_hook'`)) as Array<{ sealed: unknown }>;
    const [master] = parseMasterKeys((await readFile(path.join(cp.home, 'master-key'), 'utf8')).trim());
    const context = secretSealingContext({ account: 'default', org: null, project: null, identifier: 'slack_hook' }, 1);
    expect(decodeSecretPayload(openSecret(parseSealedSecret(row?.sealed), context, master as never))).toEqual({ kind: 'text', value: `${canary}-slack` });
  });

  it('accepts a value sealed by the client to the group’s public key, and checks the key it was sealed to', async () => {
    const context = secretSealingContext({ account: 'default', org: 'default', project: 'default', identifier: 'api_token' }, 1);
    const sealed = sealForGroups(encodeSecretPayload({ kind: 'text', value: `${canary}-client` }), context, [{ groupId: 'edge', publicKey: group.publicKey }]);
    const created = await record(api.post('/v1/secrets?org=default&project=default', { identifier: 'api_token', name: 'API token', kind: 'text', sealed }));
    expect(created.status).toBe(201);
    const [row] = (await cp.dataSource.query(`SELECT v.sealed, v.sealed_by FROM secret_versions v JOIN secrets s ON s.id = v.secret_id WHERE s.identifier = 'api_token'`)) as Array<{ sealed: unknown; sealed_by: string }>;
    expect(row?.sealed_by).toBe('client');
    expect(decodeSecretPayload(openSecret(parseSealedSecret(row?.sealed), context, { kind: 'group', groupId: 'edge', privateKey: group.privateKey }))).toMatchObject({ value: `${canary}-client` });

    const stranger = generateGroupKeyPair();
    const wrong = sealForGroups(encodeSecretPayload({ kind: 'text', value: 'x-value' }), context, [{ groupId: 'edge', publicKey: stranger.publicKey }]);
    const refused = await record(api.post('/v1/secrets?org=default&project=default', { identifier: 'api_token2', name: 'x', kind: 'text', sealed: wrong }));
    expect(refused.status).toBe(400);
    expect(refused.body['details']).toEqual([expect.objectContaining({ path: 'sealed.recipients[0]' })]);
    const platform = await record(api.post('/v1/secrets', { identifier: 'p', name: 'p', kind: 'text', allowPlatformUse: true, sealed }));
    expect(platform.status).toBe(400);
  });

  it('rotates to a new version with optimistic locking', async () => {
    const stale = await record(api.put('/v1/secrets/db_password/value?org=default', { version: 3, value: { value: `${canary}-v2` } }));
    expect(stale.status).toBe(409);
    const rotated = await record(api.put('/v1/secrets/db_password/value?org=default', { version: 2, value: { value: `${canary}-v2` } }));
    expect(rotated.status).toBe(200);
    expect(rotated.body['version']).toBe(2);
    const [row] = (await cp.dataSource.query(
      `SELECT v.sealed FROM secret_versions v JOIN secrets s ON s.id = v.secret_id AND v.version = s.current_version WHERE s.identifier = 'db_password'`,
    )) as Array<{ sealed: unknown }>;
    const context = secretSealingContext({ account: 'default', org: 'default', project: null, identifier: 'db_password' }, 2);
    expect(decodeSecretPayload(openSecret(parseSealedSecret(row?.sealed), context, { kind: 'group', groupId: 'edge', privateKey: group.privateKey }))).toMatchObject({ value: `${canary}-v2` });
  });

  it('names a value of the wrong shape for its kind without echoing it', async () => {
    const response = await record(api.post('/v1/secrets', { identifier: 'key', name: 'key', kind: 'ssh-key', value: { value: canary } }));
    expect(response.status).toBe(400);
    expect(response.body['details']).toEqual([expect.objectContaining({ path: 'value.value' })]);
  });

  it('tracks which connectors use a secret, and a connector’s missing secrets', async () => {
    const connector = {
      identifier: 'pg_http',
      name: 'PG admin',
      type: 'Http',
      spec: { url: 'https://pgadmin.internal/health', method: 'GET', headers: [{ key: 'Authorization', encryptedValueRef: 'org.db_password' }, { key: 'X-Other', encryptedValueRef: 'later' }] },
    };
    const created = await record(api.post('/v1/connectors?org=default&project=default', connector));
    expect(created.status).toBe(201);
    expect(created.body['errors']).toEqual([expect.objectContaining({ code: 'SECRET_NOT_FOUND', message: expect.stringContaining("secret 'later' not found in project 'default/default'") })]);

    expect((await record(api.post('/v1/secrets?org=default&project=default', { identifier: 'later', name: 'later', kind: 'text', value: { value: `${canary}-later` } }))).status).toBe(201);
    expect((await record(api.get('/v1/connectors/pg_http?org=default&project=default'))).body).toMatchObject({ errors: [], errorSummary: null });

    const detail = await record(api.get('/v1/secrets/db_password?org=default'));
    expect(detail.body['usedBy']).toEqual([{ connector: 'pg_http', scope: "project 'default/default'", path: 'spec.headers[1].encryptedValueRef'.replace('[1]', '[0]') }]);
    const refused = await record(api.delete('/v1/secrets/db_password?org=default'));
    expect(refused.status).toBe(409);
    expect(refused.body['code']).toBe('SECRET_IN_USE');
    expect((await record(api.delete('/v1/secrets/db_password?org=default&force=true'))).status).toBe(204);
    expect((await record(api.get('/v1/connectors/pg_http?org=default&project=default'))).body['errorSummary']).toContain("secret 'org.db_password' not found");
  });

  it('leaves no canary, in any form, in API responses or anywhere in the database but inside envelopes', async () => {
    for (const text of responses) for (const form of forms(canary)) expect(text).not.toContain(form);
    const tables = (await cp.dataSource.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)) as Array<{ tablename: string }>;
    for (const { tablename } of tables) {
      const column = tablename === 'secret_versions' ? `(to_jsonb(t) - 'sealed')::text` : 'to_jsonb(t)::text';
      const rows = (await cp.dataSource.query(`SELECT ${column} AS row FROM "${tablename}" t`)) as Array<{ row: string }>;
      for (const { row } of rows) for (const form of forms(canary)) expect(row).not.toContain(form);
    }
  });
});
