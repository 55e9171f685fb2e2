import {
  startArtifactory,
  startAzureDevOps,
  startHelmRepo,
  startNexus,
  type ArtifactoryStandIn,
  type AzureDevOpsStandIn,
  type HelmRepoPeer,
  type NexusStandIn,
} from '../peers';
import { context, failure, text } from '../support/connector-check';

const basicAuth = (username: string) => ({ type: 'UsernamePassword', spec: { username, passwordRef: 'pw' } });

describe('HttpHelmRepo connector test and list-charts (REAL peer: nginx serving index.yaml and packaged charts behind auth_basic)', () => {
  let helm: HelmRepoPeer;
  beforeAll(async () => {
    helm = await startHelmRepo();
  });
  afterAll(() => helm?.stop());
  const spec = (auth: Record<string, unknown>) => ({ helmRepoUrl: `${helm.url}/`, auth });

  it('reads index.yaml with Basic credentials and counts charts and versions', async () => {
    const { test, stages } = context('HttpHelmRepo', spec(basicAuth(helm.username)), { pw: text(helm.password) });
    const outcome = await test();
    expect(outcome.message).toMatch(new RegExp(`^Helm repository ${helm.url}/index\\.yaml accepted the password of user '${helm.username}': 2 charts, 3 versions \\(\\d+ ms\\)$`));
    expect(stages.every((s) => s.ok)).toBe(true);
  });

  it('lists charts with versions, app versions and digests, or one chart by name', async () => {
    const { action } = context('HttpHelmRepo', spec(basicAuth(helm.username)), { pw: text(helm.password) });
    const all = await action('list-charts');
    const charts = all.details?.['charts'] as Array<{ name: string; versions: Array<{ version: string; appVersion: string; digest: string }> }>;
    expect(Object.fromEntries(charts.map((c) => [c.name, c.versions.map((v) => v.version)]))).toEqual(helm.charts);
    expect(charts[0]?.versions[0]).toMatchObject({ appVersion: '2.4.1', digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const one = await action('list-charts', { chart: 'redis-cache' });
    expect((one.details?.['charts'] as unknown[]).length).toBe(1);
    await expect(action('list-charts', { chart: 'nope' })).rejects.toMatchObject({ code: 'CHART_NOT_FOUND' });
  });

  it("reports nginx's 401 for a wrong password and for an Anonymous connector", async () => {
    const wrong = await failure(context('HttpHelmRepo', spec(basicAuth(helm.username)), { pw: text('wrong-password-123') }).test());
    expect(wrong).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(wrong.message).toBe(`authentication failed: the password of user '${helm.username}' rejected by ${helm.url}/index.yaml (401)`);
    const anonymous = await failure(context('HttpHelmRepo', spec({ type: 'Anonymous' }), {}).test());
    expect(anonymous.message).toBe(`authentication failed: anonymous access rejected by ${helm.url}/index.yaml (401)`);
  });

  it('says where index.yaml should be when the URL points elsewhere (404)', async () => {
    const error = await failure(context('HttpHelmRepo', { helmRepoUrl: `${helm.url}/stable`, auth: basicAuth(helm.username) }, { pw: text(helm.password) }).test());
    expect(error).toMatchObject({ code: 'INDEX_NOT_FOUND', stage: 'operation' });
    expect(error.hint).toContain('the folder holding index.yaml');
  });
});

describe('Artifactory connector test and list-repositories (STAND-IN for the Artifactory REST API)', () => {
  let artifactory: ArtifactoryStandIn;
  beforeAll(async () => {
    artifactory = await startArtifactory();
  });
  afterAll(() => artifactory?.stop());
  beforeEach(() => artifactory.clearRequests());
  const spec = (auth: Record<string, unknown>) => ({ artifactoryServerUrl: `${artifactory.baseUrl}/`, auth });

  it('pings and lists repositories with the password, and accepts an identity token as the password', async () => {
    const outcome = await context('Artifactory', spec(basicAuth(artifactory.username)), { pw: text(artifactory.password) }).test();
    expect(outcome.message).toMatch(new RegExp(`^Artifactory at ${artifactory.baseUrl} accepted the password of user '${artifactory.username}' \\(ping OK in \\d+ ms\\); 3 repositories visible$`));
    expect(artifactory.requests.map((r) => `${r.path} ${r.status} ${r.headers['authorization']}`)).toEqual([
      '/artifactory/api/system/ping 200 Basic <redacted>',
      '/artifactory/api/repositories 200 Basic <redacted>',
    ]);
    const listed = await context('Artifactory', spec(basicAuth(artifactory.username)), { pw: text(artifactory.identityToken) }).action('list-repositories');
    expect(listed.details?.['repositories']).toEqual([
      { key: 'docker-local', type: 'LOCAL', packageType: 'Docker' },
      { key: 'helm-remote', type: 'REMOTE', packageType: 'Helm' },
      { key: 'libs-release', type: 'VIRTUAL', packageType: 'Maven' },
    ]);
  });

  it('reports Bad credentials (401) at the ping, and anonymous access when the server requires a login', async () => {
    const error = await failure(context('Artifactory', spec(basicAuth(artifactory.username)), { pw: text('not-the-password') }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: the password of user '${artifactory.username}' rejected by ${artifactory.baseUrl}/api/system/ping (401)`);
    const anonymous = await failure(context('Artifactory', spec({ type: 'Anonymous' }), {}).test());
    expect(anonymous.message).toBe(`authentication failed: anonymous access rejected by ${artifactory.baseUrl}/api/system/ping (401)`);
  });

  it('tells a URL without the /artifactory context that it is not Artifactory (404)', async () => {
    const error = await failure(context('Artifactory', { artifactoryServerUrl: artifactory.url, auth: basicAuth(artifactory.username) }, { pw: text(artifactory.password) }).test());
    expect(error).toMatchObject({ code: 'NOT_ARTIFACTORY', stage: 'operation' });
  });
});

describe('Nexus connector test and list-repositories (STAND-IN for the Nexus 3 and Nexus 2 REST APIs)', () => {
  let nexus3: NexusStandIn;
  let nexus2: NexusStandIn;
  beforeAll(async () => {
    [nexus3, nexus2] = await Promise.all([startNexus({ version: '3.x' }), startNexus({ version: '2.x' })]);
  });
  afterAll(async () => {
    await Promise.all([nexus3?.stop(), nexus2?.stop()]);
  });
  const spec = (peer: NexusStandIn) => ({ nexusServerUrl: peer.url, version: peer.version, auth: basicAuth(peer.username) });

  it.each(['3.x', '2.x'] as const)('Nexus %s: reads the status, then the repositories the user may browse', async (version) => {
    const peer = version === '3.x' ? nexus3 : nexus2;
    const { test, action } = context('Nexus', spec(peer), { pw: text(peer.password) });
    const outcome = await test();
    expect(outcome.message).toMatch(new RegExp(`^Nexus ${version.replace('.', '\\.')} at ${peer.url}/ accepted the password of user '${peer.username}' in \\d+ ms; 3 repositories visible$`));
    expect(outcome.details?.['server']).toMatch(version === '3.x' ? /^Nexus\/3\./ : /^2\.15/);
    const listed = await action('list-repositories');
    expect(listed.details?.['repositories']).toEqual([
      { name: 'docker-hosted', format: 'docker', type: 'hosted' },
      { name: 'maven-central', format: 'maven2', type: 'proxy' },
      { name: 'npm-all', format: 'npm', type: 'group' },
    ]);
  });

  it('reports the 401 of a wrong password at the repository list', async () => {
    const error = await failure(context('Nexus', spec(nexus3), { pw: text('wrong-password') }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: the password of user '${nexus3.username}' rejected by ${nexus3.url}/service/rest/v1/repositories (401)`);
  });

  it('points at the version when a 3.x connector talks to a Nexus 2 server', async () => {
    const error = await failure(context('Nexus', { ...spec(nexus2), version: '3.x' }, { pw: text(nexus2.password) }).test());
    expect(error).toMatchObject({ code: 'NOT_NEXUS', stage: 'operation' });
    expect(error.hint).toContain('check the version');
  });
});

describe('AzureArtifacts and AzureRepo connector tests (STAND-IN for the Azure DevOps REST API 7.1)', () => {
  let devops: AzureDevOpsStandIn;
  beforeAll(async () => {
    devops = await startAzureDevOps();
  });
  afterAll(() => devops?.stop());
  beforeEach(() => devops.clearRequests());
  const artifacts = () => ({ azureArtifactsUrl: devops.organizationUrl, auth: { spec: { type: 'PersonalAccessToken', spec: { tokenRef: 'pat' } } } });
  const repo = (url: string, extra: Record<string, unknown> = {}) => ({ url, type: 'Repo', authentication: { type: 'Http', spec: { type: 'UsernameToken', spec: { username: 'conduit', tokenRef: 'pat' } } }, ...extra });

  it('lists the feeds with the personal access token (Basic, empty user name)', async () => {
    const { test, action } = context('AzureArtifacts', artifacts(), { pat: text(devops.pat) });
    const outcome = await test();
    expect(outcome.message).toMatch(new RegExp(`^Azure Artifacts at ${devops.organizationUrl}/_apis/packaging/feeds accepted the personal access token in \\d+ ms; 2 feeds visible$`));
    expect(devops.requests[0]).toMatchObject({ query: { 'api-version': '7.1' }, headers: { authorization: 'Basic <redacted>' }, identity: 'pat' });
    const feeds = await action('list-feeds');
    expect((feeds.details?.['feeds'] as Array<{ name: string; project: string | null }>).map((f) => [f.name, f.project])).toEqual([
      ['releases', null],
      ['team-builds', 'Platform'],
    ]);
  });

  it('reports a wrong token (401) without echoing it', async () => {
    const wrong = 'x'.repeat(52);
    const error = await failure(context('AzureArtifacts', artifacts(), { pat: text(wrong) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: the personal access token rejected by ${devops.organizationUrl}/_apis/packaging/feeds (401)`);
    expect(error.message).not.toContain(wrong);
  });

  it('reads the repository of a Repo connector and its default branch', async () => {
    const url = `${devops.organizationUrl}/${devops.project}/_git/${devops.repository}`;
    const outcome = await context('AzureRepo', repo(url), { pat: text(devops.pat) }).test();
    expect(outcome.message).toMatch(new RegExp(`^Azure Repos API ${devops.organizationUrl} accepted the personal access token; repository Platform/deployments is readable \\(default branch main\\) in \\d+ ms$`));
  });

  it('uses validationRepo for a Project connector, and names TF401019 for a repository that is not there', async () => {
    const project = `${devops.organizationUrl}/${devops.project}`;
    const ok = await context('AzureRepo', { ...repo(project), type: 'Project', validationRepo: devops.repository }, { pat: text(devops.pat) }).test();
    expect(ok.details).toMatchObject({ project: 'Platform', repository: 'deployments', defaultBranch: 'main' });
    const error = await failure(context('AzureRepo', { ...repo(project), type: 'Project', validationRepo: 'missing' }, { pat: text(devops.pat) }).test());
    expect(error).toMatchObject({ code: 'REPOSITORY_NOT_FOUND', stage: 'operation' });
    expect(error.message).toContain('(404 GitRepositoryNotFoundException)');
  });
});
