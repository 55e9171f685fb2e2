import { ApiClient } from '../testing/api-client';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';

type Json = Record<string, unknown>;

const github = (identifier: string, overrides: Json = {}) => ({
  identifier,
  name: `GitHub ${identifier}`,
  description: 'the main GitHub org',
  tags: { team: 'platform' },
  type: 'Github',
  spec: {
    url: 'https://github.com/acme',
    type: 'Account',
    validationRepo: 'acme/app',
    authentication: { type: 'Http', spec: { type: 'UsernameToken', spec: { username: 'bot', tokenRef: 'account.gh_token' } } },
    delegateSelectors: ['Linux'],
    ...((overrides['spec'] as Json | undefined) ?? {}),
  },
  ...Object.fromEntries(Object.entries(overrides).filter(([k]) => k !== 'spec')),
});

const PROJECT = '?org=default&project=default';

describe('connectors API (real PostgreSQL)', () => {
  let cp: TestControlPlane;
  let api: ApiClient;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    api = new ApiClient(cp.url, cp.adminApiKey);
  });
  afterAll(() => cp?.close());

  const count = async () => ((await cp.dataSource.query('SELECT count(*)::int AS n FROM connectors')) as Array<{ n: number }>)[0]?.n;

  it('lists the catalog with a JSON Schema per type and secret-reference fields marked', async () => {
    const { status, body } = await api.get<{ items: Array<{ type: string; category: string; schema: Json; secretRefFields: string[] }> }>('/v1/connector-catalog');
    expect(status).toBe(200);
    const types = body.items.map((t) => t.type);
    for (const type of ['Git', 'Github', 'Gitlab', 'Bitbucket', 'AzureRepo', 'DockerRegistry', 'Artifactory', 'Nexus', 'AzureArtifacts', 'HttpHelmRepo', 'Aws', 'Gcp', 'Azure', 'K8sCluster', 'Vault', 'AwsSecretManager', 'GcpSecretManager', 'Prometheus', 'Datadog', 'Splunk', 'NewRelic', 'Slack', 'MsTeams', 'Jira', 'ServiceNow', 'PagerDuty', 'Http', 'SshHost']) {
      expect(types).toContain(type);
    }
    const gh = body.items.find((t) => t.type === 'Github');
    expect(gh?.category).toBe('SourceCode');
    expect(gh?.secretRefFields).toContain('spec.authentication.spec.spec.tokenRef');
    expect(JSON.stringify(gh?.schema)).toContain('x-conduit-secret-ref');
  });

  it('creates connectors at each scope and resolves account.x, org.x and x from a project', async () => {
    expect((await api.post('/v1/connectors', github('gh_account'))).status).toBe(201);
    expect((await api.post('/v1/connectors?org=default', github('gh_org', { spec: { authentication: { type: 'Http', spec: { type: 'UsernameToken', spec: { username: 'bot', tokenRef: 'org.gh_token' } } } } }))).status).toBe(201);
    const created = await api.post(`/v1/connectors${PROJECT}`, github('gh_project'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      identifier: 'gh_project',
      ref: 'gh_project',
      type: 'Github',
      category: 'SourceCode',
      scope: { level: 'project', org: 'default', project: 'default' },
      status: 'UNCONFIGURED',
      version: 1,
      createdBy: 'admin',
      delegateSelectors: ['linux'],
      connectivity: 'delegate',
      secretRefs: [{ path: 'spec.authentication.spec.spec.tokenRef', ref: 'account.gh_token' }],
    });

    expect((await api.get(`/v1/connectors/account.gh_account${PROJECT}`)).body).toMatchObject({ identifier: 'gh_account', ref: 'account.gh_account', scope: { level: 'account' } });
    expect((await api.get(`/v1/connectors/org.gh_org${PROJECT}`)).body).toMatchObject({ identifier: 'gh_org', ref: 'org.gh_org' });
    expect((await api.get(`/v1/connectors/gh_project${PROJECT}`)).body).toMatchObject({ identifier: 'gh_project' });

    const missing = await api.get(`/v1/connectors/org.gh_account${PROJECT}`);
    expect(missing.status).toBe(404);
    expect(missing.body['message']).toBe("connector 'org.gh_account' not found in organization 'default'");

    const listed = await api.get<{ items: Array<{ ref: string }> }>(`/v1/connectors${PROJECT}&includeParentScopes=true`);
    expect(listed.body.items.map((c) => c.ref).sort()).toEqual(['account.gh_account', 'gh_project', 'org.gh_org']);
    const own = await api.get<{ items: Array<{ ref: string }> }>(`/v1/connectors${PROJECT}`);
    expect(own.body.items.map((c) => c.ref)).toEqual(['gh_project']);
  });

  it('keeps identifiers unique within a scope only', async () => {
    const again = await api.post(`/v1/connectors${PROJECT}`, github('gh_project'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ALREADY_EXISTS', message: "connector 'gh_project' already exists in project 'default/default'" });
    expect((await api.post('/v1/connectors?org=default', github('gh_project'))).status).toBe(201);
  });

  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const before = await count();
    const cases: Array<[unknown, string, RegExp]> = [
      [github('x1', { type: 'Subversion' }), 'type', /'Subversion' is not a supported connector type; supported: .*Github/],
      [{ ...github('x2'), spec: { ...github('x2').spec, url: undefined } }, 'spec.url', /spec\.url/],
      [github('1bad'), 'identifier', /identifier/],
      [github('x3', { spec: { authentication: { type: 'Http', spec: { type: 'UsernameToken', spec: { username: 'bot', tokenRef: 'project.tok' } } } } }), 'spec.authentication.spec.spec.tokenRef', /project references have no prefix/],
      [github('x4', { spec: { authentication: { type: 'Http', spec: { type: 'UsernameToken', spec: { username: 'bot', tokenRef: 'secretRef:tok' } } } } }), 'spec.authentication.spec.spec.tokenRef', /^spec\.authentication\.spec\.spec\.tokenRef: /],
      [{ ...github('x5'), password: 'hunter2' }, '(body)', /password/],
    ];
    for (const [body, path, message] of cases) {
      const response = await api.post(`/v1/connectors${PROJECT}`, body);
      expect(response.status).toBe(400);
      const details = response.body['details'] as Array<{ path: string; message: string }>;
      expect(details.map((d) => d.path)).toContain(path);
      expect(response.body['message']).toMatch(message);
    }
    const orgRefOnAccount = await api.post('/v1/connectors', github('x6', { spec: { authentication: { type: 'Http', spec: { type: 'UsernameToken', spec: { username: 'bot', tokenRef: 'org.tok' } } } } }));
    expect(orgRefOnAccount.status).toBe(400);
    expect(orgRefOnAccount.body['message']).toContain("'org.tok' cannot be resolved from account");

    const wrongType = await api.request('POST', `/v1/connectors${PROJECT}`, 'identifier=x', { 'Content-Type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    const huge = await api.post(`/v1/connectors${PROJECT}`, github('x7', { description: 'x'.repeat(2_000_000) }));
    expect(huge.status).toBe(413);
    const badScope = await api.post('/v1/connectors?org=nope', github('x8'));
    expect(badScope.status).toBe(404);
    expect(badScope.body['message']).toBe("organization 'nope' not found in account 'default'");
    expect(await count()).toBe(before);
  });

  it('takes secret expressions in plain fields as references, by field path', async () => {
    const body = {
      identifier: 'expr_http',
      name: 'Expression header',
      type: 'Http',
      spec: { url: 'https://api.internal/health', headers: [{ key: 'Authorization', value: 'Bearer <+secrets.getValue("account.api_token")>' }] },
    };
    const created = await api.post(`/v1/connectors${PROJECT}`, body);
    expect(created.status).toBe(201);
    expect(created.body['secretRefs']).toEqual([{ path: 'spec.headers[0].value', ref: 'account.api_token', expression: true }]);
    expect(created.body['errors']).toEqual([expect.objectContaining({ code: 'SECRET_NOT_FOUND', message: "spec.headers[0].value: secret 'account.api_token' not found in account 'default'" })]);

    const malformed = await api.post(`/v1/connectors${PROJECT}`, { ...body, identifier: 'expr_bad', spec: { ...body.spec, headers: [{ key: 'X', value: '<+secrets.getValue(api_token)>' }] } });
    expect(malformed.status).toBe(400);
    expect(malformed.body['details']).toEqual([expect.objectContaining({ path: 'spec.headers[0].value' })]);
  });

  it('updates with optimistic locking and keeps identifier and type immutable', async () => {
    const current = (await api.get(`/v1/connectors/gh_project${PROJECT}`)).body;
    const updated = await api.put(`/v1/connectors/gh_project${PROJECT}`, { ...github('gh_project', { name: 'Renamed' }), version: current['version'] });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Renamed', version: 2 });

    const stale = await api.put(`/v1/connectors/gh_project${PROJECT}`, { ...github('gh_project', { name: 'Lost update' }), version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'STALE_VERSION', details: { currentVersion: 2 } });

    const renamed = await api.put(`/v1/connectors/gh_project${PROJECT}`, { ...github('other_id'), version: 2 });
    expect(renamed.status).toBe(400);
    expect(renamed.body['details']).toEqual([expect.objectContaining({ path: 'identifier' })]);
    const retyped = await api.put(`/v1/connectors/gh_project${PROJECT}`, { ...github('gh_project', { type: 'Gitlab' }), version: 2 });
    expect(retyped.status).toBe(400);
    expect((await api.get(`/v1/connectors/gh_project${PROJECT}`)).body).toMatchObject({ name: 'Renamed', version: 2 });
  });

  it('filters, searches and pages through a scope’s connectors', async () => {
    for (let i = 0; i < 7; i++) {
      const body = i % 2
        ? { identifier: `prom_${i}`, name: `Prometheus ${i}`, type: 'Prometheus', tags: { env: i < 4 ? 'prod' : 'dev' }, spec: { url: `https://prom${i}.internal:9090/` } }
        : github(`gh_${i}`, { tags: { env: 'prod' } });
      expect((await api.post('/v1/connectors?org=default&project=default', body)).status).toBe(201);
    }
    const refs = async (query: string) => (await api.get<{ items: Array<{ identifier: string }> }>(`/v1/connectors${PROJECT}&${query}`)).body.items.map((c) => c.identifier).sort();
    expect(await refs('type=prometheus')).toEqual(['prom_1', 'prom_3', 'prom_5']);
    expect(await refs('category=Observability&tag=env:prod')).toEqual(['prom_1', 'prom_3']);
    expect(await refs('search=Prometheus%205')).toEqual(['prom_5']);
    expect(await refs('status=ACTIVE')).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ identifier: string }>; nextCursor: string | null } } = await api.get(`/v1/connectors${PROJECT}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((c) => c.identifier));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(9); // gh_project, expr_http and the seven made here
    expect(new Set(seen).size).toBe(9);

    const bad = await api.get(`/v1/connectors${PROJECT}&cursor=bm9wZQ`);
    expect(bad.status).toBe(400);
    expect((await api.get(`/v1/connectors${PROJECT}&category=Nope`)).body['details']).toEqual([expect.objectContaining({ path: 'query.category' })]);
  });

  it('returns YAML in the document’s shape', async () => {
    const yaml = await api.get(`/v1/connectors/gh_project${PROJECT}&format=yaml`);
    expect(yaml.headers.get('content-type')).toContain('application/yaml');
    expect(yaml.body).toContain('connector:');
    expect(yaml.body).toContain('identifier: gh_project');
    expect(yaml.body).toContain('projectIdentifier: default');
    expect(yaml.body).toContain('tokenRef: account.gh_token');
  });

  it('refuses to delete a connector a pipeline uses, unless forced, and audits every change', async () => {
    const pipeline = [
      'pipeline:',
      '  name: Build',
      '  identifier: build',
      '  stages:',
      '    - name: Build',
      '      type: ci',
      '      spec:',
      '        codebase:',
      '          connector: account.gh_account',
      '          repo: acme/app',
      '        steps:',
      '          - name: Test',
      '            type: run',
      '            spec:',
      '              shell: sh',
      '              command: npm test',
    ].join('\n');
    expect((await api.post(`/v1/pipelines${PROJECT}`, pipeline)).status).toBe(201);
    const usage = { pipeline: 'build', path: 'stages[0].spec.codebase.connector', ref: 'account.gh_account' };
    expect((await api.get('/v1/connectors/gh_account/usage')).body).toEqual({ items: [usage] });
    expect((await api.get(`/v1/connectors/account.gh_account/usage${PROJECT}`)).body).toEqual({ items: [usage] });
    expect((await api.get(`/v1/connectors/gh_project/usage${PROJECT}`)).body).toEqual({ items: [] });
    const refused = await api.delete('/v1/connectors/gh_account');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'CONNECTOR_IN_USE', details: [usage] });
    expect((await api.get('/v1/connectors/gh_account')).status).toBe(200);
    expect((await api.delete('/v1/connectors/gh_account?force=true')).status).toBe(204);
    expect((await api.get('/v1/connectors/gh_account')).status).toBe(404);

    const audit = await api.get<{ items: Array<{ action: string; resourceRef: string; actorName: string; changes: Array<{ path: string }> }> }>('/v1/audit-events?resourceType=connector&limit=500');
    const actions = audit.body.items.map((e) => `${e.action} ${e.resourceRef}`);
    expect(actions).toEqual(expect.arrayContaining(['connector.create gh_project', 'connector.update gh_project', 'connector.delete gh_account']));
    const update = audit.body.items.find((e) => e.action === 'connector.update');
    expect(update).toMatchObject({ actorName: 'admin', changes: [{ path: 'name', before: 'GitHub gh_project', after: 'Renamed' }] });
  });
});
