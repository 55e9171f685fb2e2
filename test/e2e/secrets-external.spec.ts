import { randomBytes } from 'node:crypto';
import { startAws, startGcp, startVault, type AwsStandIn, type GcpStandIn, type VaultStandIn } from '../peers';
import { CanaryScan } from '../support/canary-scan';
import { startStack, type Stack } from '../support/stack';

type Json = Record<string, unknown>;
type TaskEvent = { type: string; stream: string | null; stage: string | null; status: string | null; data: string | null };

/**
 * Secrets kept in external managers (issue 5.5): a secret of kind 'reference' is read ON THE DELEGATE with
 * the manager connector's own credentials (sealed to the delegate's group like any secret, or inherited from
 * the delegate's environment). The control plane never sees the value; output comes back masked.
 * Peers: the Vault, AWS (STS + Secrets Manager, SigV4-verifying) and GCP stand-ins of test/peers.
 */
describe('external secret managers resolved by a real delegate', () => {
  const unique = () => randomBytes(9).toString('base64url');
  const VAULT_PW = `vault-db-pw-${unique()}`;
  const VAULT_NS_PW = `vault-ns-pw-${unique()}`;
  const APPROLE_KEY = `approle-api-key-${unique()}`;
  const AWS_PW = `aws-db-pw-${unique()}`;
  const GCP_PW = `gcp-db-pw-${unique()}`;
  const appToken = `hvs.${unique()}`;
  const nsToken = `hvs.${unique()}`;
  let stack: Stack;
  let api: Stack['api'];
  let vault: VaultStandIn;
  let aws: AwsStandIn;
  let gcp: GcpStandIn;
  const created = async (route: string, body: unknown) => {
    const answer = await api('POST', route, body);
    if (answer.status !== 201) throw new Error(`POST ${route}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const textSecret = (identifier: string, value: string) => created('/v1/secrets', { identifier, name: identifier, kind: 'text', value: { value } });
  const reference = (identifier: string, ref: Json) => created('/v1/secrets', { identifier, name: identifier, kind: 'reference', reference: ref });

  /** Runs an echo of the secret on the delegate; returns the finished task and its events. */
  const echo = async (ref: string) => {
    const task = await created('/v1/tasks', { kind: 'echo', payload: { text: `value=<+secrets.getValue("${ref}")>` }, secrets: [ref] });
    const done = (await api('GET', `/v1/tasks/${task['id'] as string}?wait=true&timeoutMs=20000`)).body;
    const events = (await api('GET', `/v1/tasks/${task['id'] as string}/events`)).body['items'] as TaskEvent[];
    return { done, events, logs: events.filter((e) => e.type === 'log').map((e) => e.data).join('') };
  };

  beforeAll(async () => {
    [vault, aws, gcp] = await Promise.all([
      startVault({
        mounts: {
          secret: { type: 'kv-v2', secrets: { 'app/db': [{ password: 'first-version-pw' }, { password: VAULT_PW, user: 'app' }] } },
          kv: { type: 'kv-v1', secrets: { service: { api_key: APPROLE_KEY } } },
        },
        namespaces: { 'team-a': { secret: { type: 'kv-v2', secrets: { 'app/db': [{ password: VAULT_NS_PW }] } } } },
        tokens: { [appToken]: { allow: ['secret/data/app/*'], policies: ['app-read'] }, [nsToken]: { allow: ['*'], namespace: 'team-a', policies: ['team-a'] } },
        approle: { allow: ['kv/*'], policies: ['service-read'] },
      }),
      startAws({ secrets: { 'conduit/db': JSON.stringify({ username: 'app', password: AWS_PW }) } }),
      startGcp({ secrets: { 'db-password': ['gcp-first-version', GCP_PW] } }),
    ]);
    stack = await startStack({
      name: 'ext',
      delegateEnv: {
        DELEGATE_TAGS: 'private-net',
        // The delegate's own AWS identity, for a manager connector that inherits it (AssumeIAMRole).
        AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
      },
    });
    ({ api } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
    await Promise.all([vault?.stop(), aws?.stop(), gcp?.stop()]);
  });

  it('Vault KV v2 with a token: the delegate reads the value and it comes back masked', async () => {
    await textSecret('vault_token', appToken);
    await created('/v1/connectors', { identifier: 'vault', name: 'Vault', type: 'Vault', spec: { vaultUrl: vault.url, authToken: 'vault_token', secretEngineName: 'secret', secretEngineVersion: 2 } });
    await reference('db_pw', { manager: 'vault', path: 'app/db', key: 'password' });

    const { done, events, logs } = await echo('db_pw');
    expect(done).toMatchObject({ status: 'succeeded', output: { text: 'value=***' }, delegate: { name: 'inside' } });
    expect(logs).toBe('value=***');
    expect(events.filter((e) => e.stage === 'resolution').map((e) => e.status)).toEqual(['started', 'succeeded']);
    // What reached Vault: the current version of the KV v2 path, with the token of the manager connector.
    const read = vault.requests.filter((r) => r.path === '/v1/secret/data/app/db');
    expect(read.at(-1)).toMatchObject({ method: 'GET', status: 200, identity: 'token:app-read' });

    // A pinned version, and the connector's own connection test (lookup-self).
    await reference('db_pw_v1', { manager: 'vault', path: 'app/db', key: 'password', version: '1' });
    expect((await echo('db_pw_v1')).done).toMatchObject({ status: 'succeeded', output: { text: 'value=***' } });
    expect(vault.requests.at(-1)).toMatchObject({ path: '/v1/secret/data/app/db', query: { version: '1' }, status: 200 });
    const test = await api('POST', '/v1/connectors/vault/test?wait=true');
    expect(test.body).toMatchObject({ status: 'SUCCESS', delegate: 'inside' });
    expect(test.body['message']).toMatch(/^Vault at http:\/\/127\.0\.0\.1:\d+\/ accepted the TOKEN login \(policies: app-read\)/);
  });

  it('Vault AppRole login on KV v1, and a namespace', async () => {
    await textSecret('approle_secret_id', vault.approle.secretId);
    await created('/v1/connectors', {
      identifier: 'vault_approle',
      name: 'Vault AppRole',
      type: 'Vault',
      spec: { vaultUrl: vault.url, appRoleId: vault.approle.roleId, secretId: 'approle_secret_id', secretEngineName: 'kv', secretEngineVersion: 1 },
    });
    await reference('api_key', { manager: 'vault_approle', path: 'service', key: 'api_key' });
    const { done, logs } = await echo('api_key');
    expect(done).toMatchObject({ status: 'succeeded', output: { text: 'value=***' } });
    expect(logs).toBe('value=***');
    expect(vault.requests.filter((r) => r.path === '/v1/auth/approle/login').at(-1)).toMatchObject({ method: 'POST', status: 200 });
    expect(vault.requests.at(-1)).toMatchObject({ path: '/v1/kv/service', status: 200, identity: 'token:service-read' });

    await textSecret('vault_ns_token', nsToken);
    await created('/v1/connectors', { identifier: 'vault_ns', name: 'Vault team-a', type: 'Vault', spec: { vaultUrl: vault.url, authToken: 'vault_ns_token', namespace: 'team-a' } });
    await reference('ns_pw', { manager: 'vault_ns', path: 'app/db', key: 'password' });
    expect((await echo('ns_pw')).done).toMatchObject({ status: 'succeeded', output: { text: 'value=***' } });
    expect(vault.requests.at(-1)).toMatchObject({ path: '/v1/secret/data/app/db', status: 200, headers: expect.objectContaining({ 'x-vault-namespace': 'team-a' }) });
  });

  it('a wrong token fails the task, naming the reference, the manager and what Vault answered', async () => {
    await textSecret('wrong_token', `hvs.${unique()}`);
    await created('/v1/connectors', { identifier: 'vault_wrong', name: 'Vault wrong', type: 'Vault', spec: { vaultUrl: vault.url, authToken: 'wrong_token' } });
    await reference('denied_pw', { manager: 'vault_wrong', path: 'app/db', key: 'password' });
    const { done, events } = await echo('denied_pw');
    expect(done).toMatchObject({ status: 'failed', error: { code: 'FORBIDDEN', stage: 'authentication' } });
    expect((done['error'] as Json)['message']).toBe(`secret 'denied_pw' from manager 'vault_wrong': Vault at ${vault.url}/v1/secret/data/app/db answered 403 (permission denied)`);
    expect(events.filter((e) => e.type === 'log')).toEqual([]);

    const test = await api('POST', '/v1/connectors/vault_wrong/test?wait=true');
    expect(test.body).toMatchObject({ status: 'FAILURE', stage: 'authentication', errors: [{ code: 'FORBIDDEN' }] });
  });

  it('a manager whose own credential is a reference is refused (no chains)', async () => {
    await reference('chained_token', { manager: 'vault', path: 'app/db', key: 'password' });
    await created('/v1/connectors', { identifier: 'vault_chained', name: 'chained', type: 'Vault', spec: { vaultUrl: vault.url, authToken: 'chained_token' } });
    await reference('chained_pw', { manager: 'vault_chained', path: 'app/db', key: 'password' });
    const { done } = await echo('chained_pw');
    expect(done).toMatchObject({ status: 'failed', error: { code: 'SECRET_UNAVAILABLE', stage: 'resolution' } });
    expect((done['error'] as Json)['message']).toContain("secret 'chained_pw': spec.authToken of manager 'vault_chained' is itself a reference to an external manager");
  });

  it('AWS Secrets Manager with access keys (SigV4) and with the delegate’s own identity', async () => {
    await textSecret('aws_key_id', aws.credentials.accessKeyId);
    await textSecret('aws_secret_key', aws.credentials.secretAccessKey);
    await created('/v1/connectors', {
      identifier: 'aws_sm',
      name: 'AWS SM',
      type: 'AwsSecretManager',
      spec: { credential: { type: 'ManualConfig', spec: { accessKey: 'aws_key_id', secretKey: 'aws_secret_key' } }, region: aws.region, endpoint: aws.url },
    });
    await reference('aws_db_pw', { manager: 'aws_sm', path: 'conduit/db', key: 'password' });
    const { done, logs } = await echo('aws_db_pw');
    expect(done).toMatchObject({ status: 'succeeded', output: { text: 'value=***' } });
    expect(logs).toBe('value=***');
    expect(aws.requests.at(-1)).toMatchObject({ method: 'POST', path: '/', status: 200, identity: aws.userArn });
    expect((await api('POST', '/v1/connectors/aws_sm/test?wait=true')).body).toMatchObject({ status: 'SUCCESS' });

    await created('/v1/connectors', {
      identifier: 'aws_sm_inherit',
      name: 'AWS SM (delegate identity)',
      type: 'AwsSecretManager',
      spec: { credential: { type: 'AssumeIAMRole' }, region: aws.region, endpoint: aws.url, delegateSelectors: ['private-net'] },
    });
    await reference('aws_inherited_pw', { manager: 'aws_sm_inherit', path: 'conduit/db', key: 'password' });
    expect((await echo('aws_inherited_pw')).done).toMatchObject({ status: 'succeeded', output: { text: 'value=***' } });

    await reference('aws_missing', { manager: 'aws_sm', path: 'conduit/nothing-here' });
    const missing = (await echo('aws_missing')).done;
    expect(missing).toMatchObject({ status: 'failed', error: { code: 'SECRET_NOT_FOUND' } });
    expect((missing['error'] as Json)['message']).toMatch(/^secret 'aws_missing' from manager 'aws_sm': AWS Secrets Manager at http:\/\/127\.0\.0\.1:\d+\/ refused GetSecretValue of 'conduit\/nothing-here': ResourceNotFoundException/);
  });

  it('GCP Secret Manager with a service account key (JWT bearer grant)', async () => {
    await textSecret('gcp_key', JSON.stringify(gcp.serviceAccountKey));
    await created('/v1/connectors', { identifier: 'gcp_sm', name: 'GCP SM', type: 'GcpSecretManager', spec: { credentialsRef: 'gcp_key', endpoint: gcp.url } });
    await reference('gcp_db_pw', { manager: 'gcp_sm', path: 'db-password' });
    const { done, logs } = await echo('gcp_db_pw');
    expect(done).toMatchObject({ status: 'succeeded', output: { text: 'value=***' } });
    expect(logs).toBe('value=***');
    expect(gcp.requests.map((r) => [r.method, r.path, r.status]).slice(-2)).toEqual([
      ['POST', '/token', 200],
      ['GET', `/v1/projects/${gcp.projectId}/secrets/db-password/versions/latest:access`, 200],
    ]);
    expect((await api('POST', '/v1/connectors/gcp_sm/test?wait=true')).body).toMatchObject({ status: 'SUCCESS' });
  });

  it('never lets a value or a manager credential out: not in API answers, nor either process’s log', async () => {
    const scan = new CanaryScan({ VAULT_PW, VAULT_NS_PW, APPROLE_KEY, AWS_PW, GCP_PW, appToken, nsToken, approleSecretId: vault.approle.secretId, awsSecretKey: aws.credentials.secretAccessKey });
    scan.stack(stack);
    expect(scan.findings).toEqual([]);
  });
});
