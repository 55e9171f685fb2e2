import { startRegistry, type RegistryPeer } from '../peers';
import { context, failure, text } from '../support/connector-check';

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
