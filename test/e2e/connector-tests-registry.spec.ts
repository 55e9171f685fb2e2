import { ConnectorCheckError, getConnectorType, validateConnectorSpec, type CheckStage, type OperationContext } from '@conduit/connectors';
import type { SecretPayload } from '@conduit/crypto';
import { startRegistry, type RegistryPeer } from '../peers';

/** A context as a delegate gives one: validated spec, opened secrets by reference, stages recorded. */
function context(type: string, raw: Record<string, unknown>, secrets: Record<string, SecretPayload>) {
  const validated = validateConnectorSpec(type, raw);
  if (!validated.ok) throw new Error(`invalid ${type} spec: ${JSON.stringify(validated.issues)}`);
  const stages: Array<{ stage: CheckStage; ok: boolean }> = [];
  const ctx: OperationContext = {
    spec: validated.spec,
    secrets: new Map(Object.entries(secrets)),
    signal: AbortSignal.timeout(60_000),
    log: () => undefined,
    async stage(stage, run) {
      try {
        const result = await run();
        stages.push({ stage, ok: true });
        return result;
      } catch (error) {
        stages.push({ stage, ok: false });
        throw error;
      }
    },
  };
  const operations = getConnectorType(type)?.operations;
  if (!operations) throw new Error(`${type} has no connection test`);
  return { ctx, stages, test: () => operations.test(ctx) };
}

async function failure(promise: Promise<unknown>): Promise<ConnectorCheckError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectorCheckError) return error;
    throw error;
  }
  throw new Error('expected the connection test to fail');
}

const text = (value: string): SecretPayload => ({ kind: 'text', value });

describe('DockerRegistry connector test (REAL peer: docker-registry 2.x with htpasswd Basic auth)', () => {
  let registry: RegistryPeer;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.stop());

  const spec = (username: string) => ({ dockerRegistryUrl: `${registry.url}/v2/`, providerType: 'Other', auth: { type: 'UsernamePassword', spec: { username, passwordRef: 'pw' } } });

  it('answers the Basic challenge of /v2/ with the username and password', async () => {
    const { test, stages } = context('DockerRegistry', spec(registry.username), { pw: text(registry.password) });
    const outcome = await test();
    expect(outcome.details).toMatchObject({ authScheme: 'basic', apiVersion: 'registry/2.0' });
    expect(outcome.message).toMatch(new RegExp(`^Docker registry ${registry.url}/v2/ accepted user '${registry.username}' \\(basic authentication\\) in \\d+ ms$`));
    expect(stages.every((s) => s.ok)).toBe(true);
  });

  it('reports a wrong password as AUTHENTICATION_FAILED naming the registry URL, without the password', async () => {
    const wrong = `${registry.password}-wrong`;
    const error = await failure(context('DockerRegistry', spec(registry.username), { pw: text(wrong) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: the password of user '${registry.username}' rejected by ${registry.url}/v2/ (401)`);
    expect(`${error.message} ${error.hint ?? ''}`).not.toContain(wrong);
  });

  it('tells an Anonymous connector that this registry requires credentials', async () => {
    const error = await failure(context('DockerRegistry', { dockerRegistryUrl: registry.url, providerType: 'Other', auth: { type: 'Anonymous' } }, {}).test());
    expect(error).toMatchObject({ code: 'CREDENTIALS_REQUIRED', stage: 'authentication' });
    expect(error.message).toBe(`${registry.url}/v2/ requires authentication (401), and the connector is Anonymous`);
  });
});
