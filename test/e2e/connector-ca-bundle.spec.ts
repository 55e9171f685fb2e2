import { startGitHttp, startHelmRepo, type GitHttpPeer, type HelmRepoPeer } from '../peers';
import { createCertificateAuthority, issueCertificate } from '../peers/pki';
import { makeTempDir } from '../peers/support';
import { context, failure, text } from '../support/connector-check';

// Servers behind a private CA, which no public root vouches for: a connector trusts them only through its
// caCertRef, and verification never turns off. The CA's PEM is planted as a secret and must not leak.
const basicAuth = (username: string) => ({ type: 'UsernamePassword', spec: { username, passwordRef: 'pw' } });

describe('caCertRef on HttpHelmRepo (REAL peer: nginx serving the chart repository over HTTPS, private CA)', () => {
  let helm: HelmRepoPeer;
  beforeAll(async () => {
    helm = await startHelmRepo({ tls: true });
  });
  afterAll(() => helm?.stop());
  const spec = (extra: Record<string, unknown> = {}) => ({ helmRepoUrl: `${helm.url}/`, auth: basicAuth(helm.username), ...extra });

  it('without caCertRef fails at the connection stage, naming the untrusted certificate and the fix', async () => {
    const { test, stages } = context('HttpHelmRepo', spec(), { pw: text(helm.password) });
    const error = await failure(test());
    expect(error).toMatchObject({ code: 'TLS_VERIFICATION_FAILED', stage: 'connection' });
    expect(error.message).toBe(`TLS certificate of ${helm.url}/index.yaml not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`);
    expect(error.hint).toContain('caCertRef');
    expect(stages.at(-1)).toEqual({ stage: 'connection', ok: false });
  });

  it('with caCertRef verifies the server against that CA, for the test and for list-charts', async () => {
    const { test, action } = context('HttpHelmRepo', spec({ caCertRef: 'helm_ca' }), { pw: text(helm.password), helm_ca: text(helm.caCert as string) });
    expect((await test()).message).toMatch(/^Helm repository .* accepted the password of user 'helm-reader': 2 charts, 3 versions/);
    const listed = await action('list-charts', { chart: 'redis-cache' });
    expect((listed.details?.['charts'] as Array<{ name: string }>).map((c) => c.name)).toEqual(['redis-cache']);
  });

  it('still refuses the server when caCertRef holds a different CA', async () => {
    const temp = makeTempDir('other-ca');
    try {
      const other = await createCertificateAuthority(temp.dir, 'other-ca');
      const error = await failure(context('HttpHelmRepo', spec({ caCertRef: 'other_ca' }), { pw: text(helm.password), other_ca: text(other.cert) }).test());
      expect(error).toMatchObject({ code: 'TLS_VERIFICATION_FAILED', stage: 'connection' });
      expect(`${error.message} ${error.hint}`).not.toContain('BEGIN CERTIFICATE');
    } finally {
      temp.remove();
    }
  });
});

describe('caCertRef on Git over HTTPS (REAL git http-backend behind a Node HTTPS server, private CA; read-file runs the system git)', () => {
  let git: GitHttpPeer;
  let caCert: string;
  let temp: { dir: string; remove(): void };
  beforeAll(async () => {
    temp = makeTempDir('git-https-ca');
    const ca = await createCertificateAuthority(temp.dir, 'git-ca');
    caCert = ca.cert;
    const server = await issueCertificate(temp.dir, ca, 'server', { kind: 'server', commonName: 'localhost' });
    git = await startGitHttp({ tls: { cert: server.cert, key: server.key } });
  });
  afterAll(async () => {
    await git?.stop();
    temp?.remove();
  });
  const spec = (extra: Record<string, unknown> = {}) => ({ type: 'Http', connectionType: 'Repo', url: git.repoUrl, spec: { username: git.username, passwordRef: 'pw' }, ...extra });

  it('without caCertRef: the test and git fetch both stop at the untrusted certificate', async () => {
    const { test, action } = context('Git', spec(), { pw: text(git.password) });
    expect(await failure(test())).toMatchObject({ code: 'TLS_VERIFICATION_FAILED', stage: 'connection' });
    const fetchError = await failure(action('read-file', { path: 'README.md' }));
    expect(fetchError).toMatchObject({ code: 'TLS_VERIFICATION_FAILED', stage: 'connection' });
    expect(fetchError.message).toMatch(/certificate/i);
    expect(fetchError.hint).toContain('caCertRef');
  });

  it('with caCertRef: the test lists refs and read-file fetches with git trusting that CA', async () => {
    const { test, action } = context('Git', spec({ caCertRef: 'git_ca' }), { pw: text(git.password), git_ca: text(caCert) });
    const outcome = await test();
    expect(outcome.message).toContain(git.repoUrl);
    const file = await action('read-file', { path: 'README.md' });
    expect(file.details).toMatchObject({ path: 'README.md', ref: 'HEAD', commit: git.repo.branches.main, encoding: 'utf-8' });
  });
});
