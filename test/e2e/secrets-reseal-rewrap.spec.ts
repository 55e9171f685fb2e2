import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeSecretPayload, openSecret, parseSealedSecret, secretSealingContext } from '@conduit/crypto';
import { createDatabase, freePort, REDIS_URL, runTs, RunningProcess, waitFor } from '../support/processes';

type Json = Record<string, unknown>;

/**
 * Adding a delegate group without re-typing values (issue 5.3: a delegate of a group that can open a secret
 * re-seals it for another group, as a task) and master key rotation with no downtime (issue 5.2: the
 * rewrap-master-key command). The control plane and two delegates of different groups run as processes.
 */
describe('re-sealing to another delegate group, and rotating the master key', () => {
  const prefix = `conduit-e2e-reseal-${process.pid}`;
  const masterKey = (id: string) => ({ id, key: randomBytes(32) });
  const OLD = masterKey('mk-old');
  const NEW = masterKey('mk-new');
  const keyring = (...keys: Array<typeof OLD>) => keys.map((k) => `${k.id}:${k.key.toString('base64url')}`).join(',');
  const SHARED = `shared-value-${randomBytes(9).toString('base64url')}`;
  const PLATFORM = `platform-value-${randomBytes(9).toString('base64url')}`;
  let db: { url: string; drop(): void };
  let home: string;
  let port: number;
  let controlPlane: RunningProcess;
  const delegates: RunningProcess[] = [];
  /** Control-plane replicas besides `controlPlane`. */
  const replicas: RunningProcess[] = [];
  let apiKey: string;
  const outputs: string[] = [];

  const api = async (method: string, route: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`http://127.0.0.1:${port}${route}`, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    outputs.push(text);
    return { status: response.status, body: JSON.parse(text) as Json };
  };
  const startControlPlane = async (masterKeys: string) => {
    controlPlane = runTs('apps/control-plane/src/main.ts', {
      PORT: String(port),
      CONDUIT_HOME: home,
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      CONDUIT_LOCAL_DELEGATE: '1',
      CONDUIT_MASTER_KEYS: masterKeys,
      LOG_LEVEL: 'info',
    });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 'control plane', { process: controlPlane });
  };
  const startDelegate = (group: string) => {
    const delegate = runTs('apps/delegate/src/main.ts', {
      CONDUIT_URL: `http://127.0.0.1:${port}`,
      CONDUIT_DELEGATE_TOKEN_FILE: path.join(home, 'delegate-token'),
      DELEGATE_NAME: `${group}-1`,
      DELEGATE_GROUP: group,
      DELEGATE_TAGS: `${group}-net`,
      DELEGATE_KEY_FILE: path.join(home, `${group}.key`),
    });
    delegates.push(delegate);
    return delegate;
  };
  const groupCount = async () => ((await api('GET', '/v1/delegate-groups')).body['items'] as unknown[]).length;
  /** An echo of `ref` on a delegate with `tag`; the finished task. */
  const echoOn = async (tag: string, ref: string) => {
    const task = await api('POST', '/v1/tasks', { kind: 'echo', payload: { text: `value=<+secrets.getValue("${ref}")>` }, secrets: [ref], selectors: [tag], queueTimeoutMs: 30_000 });
    expect(task.status).toBe(201);
    return (await api('GET', `/v1/tasks/${task.body['id'] as string}?wait=true&timeoutMs=30000`)).body;
  };
  const psql = (sql: string) => execFileSync('psql', [db.url, '-tAc', sql], { encoding: 'utf8' }).trim();

  beforeAll(async () => {
    db = createDatabase();
    home = await mkdtemp(path.join(os.tmpdir(), 'conduit-e2e-reseal-'));
    port = await freePort();
    await startControlPlane(keyring(OLD));
    apiKey = (await readFile(path.join(home, 'admin-api-key'), 'utf8')).trim();
    const alpha = startDelegate('alpha');
    await waitFor(async () => (await groupCount()) === 1, 'group alpha', { process: alpha });
  });
  afterAll(async () => {
    await Promise.all(delegates.map((d) => d.stop()));
    await Promise.all([controlPlane, ...replicas].map((cp) => cp?.stop()));
    db?.drop();
    await rm(home, { recursive: true, force: true });
  });

  it('a second group cannot open a secret sealed before it existed, until a delegate of the first group re-seals it', async () => {
    expect((await api('POST', '/v1/secrets', { identifier: 'shared_pw', name: 'shared', kind: 'text', value: { value: SHARED } })).status).toBe(201);
    const beta = startDelegate('beta');
    await waitFor(async () => (await groupCount()) === 2, 'group beta', { process: beta });

    const before = await echoOn('beta-net', 'shared_pw');
    expect(before).toMatchObject({ status: 'failed', error: { code: 'SECRET_UNAVAILABLE' } });
    expect((before['error'] as Json)['message']).toContain('NO_RECIPIENT_FOR_KEY');

    const resealed = await api('POST', '/v1/secrets/shared_pw/reseal', { groups: ['beta'] });
    expect(resealed).toMatchObject({ status: 200, body: { status: 'succeeded', version: 1, added: ['beta'] } });
    // Routed by group: only a delegate of alpha (which holds a recipient) can do it.
    const task = (await api('GET', `/v1/tasks/${resealed.body['taskId'] as string}`)).body;
    expect(task).toMatchObject({ kind: 'secret.reseal', status: 'succeeded', delegate: { name: 'alpha-1' } });

    expect(await echoOn('beta-net', 'shared_pw')).toMatchObject({ status: 'succeeded', output: { text: 'value=***' }, delegate: { name: 'beta-1' } });
    expect(await echoOn('alpha-net', 'shared_pw')).toMatchObject({ status: 'succeeded', output: { text: 'value=***' } });
    const versions = (await api('GET', '/v1/secrets/shared_pw')).body['versions'] as Array<{ recipients: Array<{ group?: string }> }>;
    expect(versions[0]?.recipients.map((r) => r.group)).toEqual(['alpha', 'beta']);

    expect((await api('POST', '/v1/secrets/shared_pw/reseal', { groups: ['beta'] })).body).toMatchObject({ status: 'unchanged', taskId: null });
    const unknownGroup = await api('POST', '/v1/secrets/shared_pw/reseal', { groups: ['gamma'] });
    expect(unknownGroup.status).toBe(400);
    expect(unknownGroup.body['message']).toContain("delegate group 'gamma' not found");
  });

  it('routes a task that names required groups only to delegates of those groups', async () => {
    const run = async (requiredGroups: string[], queueTimeoutMs = 30_000) => {
      const task = await api('POST', '/v1/tasks', { kind: 'noop', payload: { requiredGroups }, queueTimeoutMs });
      return (await api('GET', `/v1/tasks/${task.body['id'] as string}?wait=true&timeoutMs=30000`)).body;
    };
    const ranOn = await Promise.all([1, 2, 3, 4, 5, 6].map(() => run(['beta'])));
    expect(ranOn.map((t) => (t['delegate'] as Json | null)?.['name'])).toEqual(Array(6).fill('beta-1'));
    const nowhere = await run(['gamma'], 500);
    expect(nowhere).toMatchObject({ status: 'failed', error: { code: 'NO_ELIGIBLE_DELEGATE' } });
    expect((nowhere['error'] as Json)['message']).toContain("in delegate group 'gamma'");
  });

  it('re-wraps platform-use secrets to a new master key while everything keeps running', async () => {
    expect((await api('POST', '/v1/secrets', { identifier: 'platform_pw', name: 'platform', kind: 'text', allowPlatformUse: true, value: { value: PLATFORM } })).status).toBe(201);
    const masterIds = () => psql(`SELECT string_agg(r->>'keyId', ',' ORDER BY r->>'keyId') FROM secret_versions v, jsonb_array_elements(v.sealed->'recipients') r WHERE r->>'kind' = 'master'`);
    expect(masterIds()).toBe('mk-old');

    // Step 1: a replica holding both keys (the new one first) joins while the first one keeps serving; tasks
    // created through it still reach the delegates connected to the other replica.
    const port1 = port;
    port = await freePort();
    const first = controlPlane;
    await startControlPlane(keyring(NEW, OLD));
    replicas.push(first);
    expect(await echoOn('alpha-net', 'platform_pw')).toMatchObject({ status: 'succeeded', output: { text: 'value=***' } });

    // Step 2: the command re-wraps; a second run finds nothing left.
    const run = async () => {
      const command = runTs('apps/control-plane/src/secrets/rewrap-master-key.ts', { DATABASE_URL: db.url, CONDUIT_MASTER_KEYS: keyring(NEW, OLD) });
      const { code } = await command.exited;
      outputs.push(command.output);
      expect(code).toBe(0);
      return JSON.parse(command.output.trim().split('\n').pop() as string) as Json;
    };
    expect(await run()).toEqual({ examined: 1, rewrapped: 1, unknownKey: 0, failed: 0, remaining: 0 });
    expect(await run()).toEqual({ examined: 0, rewrapped: 0, unknownKey: 0, failed: 0, remaining: 0 });
    expect(masterIds()).toBe('mk-new');
    expect(psql(`SELECT count(*) FROM secret_versions WHERE sealed::text LIKE '%mk-old%'`)).toBe('0');

    // The stored envelope opens with the new master key alone, and delegates still open it with their group keys.
    const sealed = parseSealedSecret(JSON.parse(psql(`SELECT v.sealed FROM secret_versions v JOIN secrets s ON s.id = v.secret_id WHERE s.identifier = 'platform_pw'`)));
    const context = secretSealingContext({ account: 'default', org: null, project: null, identifier: 'platform_pw' }, 1);
    expect(decodeSecretPayload(openSecret(sealed, context, { kind: 'master', keyId: NEW.id, key: NEW.key }))).toEqual({ kind: 'text', value: PLATFORM });
    expect(() => openSecret(sealed, context, { kind: 'master', keyId: OLD.id, key: OLD.key })).toThrow();
    expect(await echoOn('beta-net', 'platform_pw')).toMatchObject({ status: 'succeeded', output: { text: 'value=***' } });

    // New values sealed by the replica holding the new key are wrapped under it from the start.
    expect((await api('POST', '/v1/secrets', { identifier: 'platform_pw2', name: 'platform 2', kind: 'text', allowPlatformUse: true, value: { value: `${PLATFORM}-2` } })).status).toBe(201);
    expect(masterIds()).toBe('mk-new,mk-new');
    port = port1;
    expect(await echoOn('beta-net', 'platform_pw2')).toMatchObject({ status: 'succeeded', output: { text: 'value=***' } });
  });

  it('never lets a value out: not in API answers, the command’s output, nor any process log', () => {
    for (const value of [SHARED, PLATFORM]) {
      for (const form of [value, Buffer.from(value).toString('base64')]) {
        for (const text of outputs) expect(text).not.toContain(form);
        for (const cp of [controlPlane, ...replicas]) expect(cp.output).not.toContain(form);
        for (const delegate of delegates) expect(delegate.output).not.toContain(form);
      }
    }
  });
});
