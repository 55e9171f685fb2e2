import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ApiClient } from '../testing/api-client';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';

/** The corpus of real published Harness YAML (shared/harness-yaml), read in place: never copied here. */
const CORPUS = path.resolve(__dirname, '../../../../..', 'shared/harness-yaml');
const present = existsSync(CORPUS);
if (!present) console.warn(`skipping the Harness YAML corpus: ${CORPUS} is absent`);

/** Files that must be refused, with the field the 400 must name. */
const REFUSED: Record<string, { path: string; message?: RegExp }> = {
  'servicenow-userpass.yaml': { path: '', message: /template|YAML/i },
  'jira-userpass-notype.yaml': { path: 'connector.type' },
  'github-ssh.yaml': { path: 'connector.spec.type' },
  'azurerepo-http-usernametoken.yaml': { path: 'connector.spec.type' },
  'k8s-clientkeycert.yaml': { path: 'connector.projectIdentifier' },
  'k8s-openidconnect.yaml': { path: 'connector.projectIdentifier' },
  'k8s-serviceaccount.yaml': { path: 'connector.projectIdentifier' },
  'git-ssh.yaml': { path: 'connector.spec.spec.sshKeyRef' },
  'bamboo-userpass.yaml': { path: 'connector.type', message: /supported.*Github/ },
  'pdc-hosts.yaml': { path: 'connector.type', message: /supported.*Github/ },
  // Its identifier 'aws-connector' has a hyphen, which identifiers (here and in Harness) do not allow.
  'aws-manualconfig-sessiontoken-backoff.yaml': { path: 'connector.identifier' },
};

const files = present ? readdirSync(CORPUS).filter((f) => f.endsWith('.yaml') && !f.startsWith('pipeline-')) : [];

(present ? describe : describe.skip)('importing the published Harness connector corpus through the API', () => {
  let cp: TestControlPlane;
  let api: ApiClient;
  const count = async () => ((await cp.dataSource.query('SELECT count(*)::int AS n FROM connectors')) as Array<{ n: number }>)[0]?.n;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    api = new ApiClient(cp.url, cp.adminApiKey);
  });
  afterAll(() => cp?.close());

  it.each(files.filter((f) => f in REFUSED))('refuses %s with a 400 naming the field, writing nothing', async (file) => {
    const before = await count();
    const response = await api.post('/v1/connectors/import?org=default&project=default', readFileSync(path.join(CORPUS, file), 'utf8'));
    expect(response.status).toBe(400);
    const expected = REFUSED[file] as { path: string; message?: RegExp };
    expect((response.body['details'] as Array<{ path: string }>).map((d) => d.path)).toContain(expected.path);
    if (expected.message) expect(response.body['message']).toMatch(expected.message);
    expect(await count()).toBe(before);
  });

  it.each(files.filter((f) => !(f in REFUSED)))('imports %s into a named scope, reporting what it overrode or ignored', async (file) => {
    const text = readFileSync(path.join(CORPUS, file), 'utf8');
    const response = await api.post<{ connector: Record<string, unknown>; import: { overrides: Array<{ field: string }>; ignoredFields: string[] } }>(
      '/v1/connectors/import?org=default&project=default',
      text,
    );
    expect(response.status).toBe(201);
    const type = /^\s{2}type:\s*(\S+)/m.exec(text)?.[1];
    expect(response.body.connector['type']).toBe(type);
    expect(response.body.connector['identifier']).toBe(/^\s{2}identifier:\s*"?([^"\s]+)/m.exec(text)?.[1]);
    expect(response.body.connector['scope']).toEqual({ level: 'project', org: 'default', project: 'default' });
    const fileProject = /^\s{2}projectIdentifier:\s*"?([^"\n]*?)"?\s*$/m.exec(text)?.[1] ?? '';
    if (fileProject && fileProject !== 'default') {
      expect(response.body.import.overrides.map((o) => o.field)).toContain('projectIdentifier');
    }
    // Every secret reference of the file is kept as a reference.
    for (const [, ref] of text.matchAll(/Ref:\s*"?([A-Za-z0-9_.]+)"?\s*$/gm)) {
      expect(JSON.stringify(response.body.connector['secretRefs'])).toContain(`"ref":"${ref}"`);
    }
  });

  it('places a connector where the file says when that scope exists, and names a missing scope', async () => {
    expect((await api.post('/v1/organizations/default/projects', { identifier: 'CD_Docs', name: 'CD Docs' })).status).toBe(201);
    const placed = await api.post<{ connector: Record<string, unknown>; import: { overrides: unknown[] } }>(
      '/v1/connectors/import',
      readFileSync(path.join(CORPUS, 'docker-dockerhub-userpass.yaml'), 'utf8'),
    );
    expect(placed.status).toBe(201);
    expect(placed.body.connector['scope']).toEqual({ level: 'project', org: 'default', project: 'CD_Docs' });
    expect(placed.body.import.overrides).toEqual([]);

    const before = await count();
    const missing = await api.post('/v1/connectors/import', readFileSync(path.join(CORPUS, 'gcp-manualconfig-secretkey.yaml'), 'utf8'));
    expect(missing.status).toBe(404);
    expect(missing.body['message']).toContain("project 'default_project' not found in organization 'default'");
    expect(await count()).toBe(before);

    const toAccount = await api.post<{ connector: Record<string, unknown> }>('/v1/connectors/import?scope=account', readFileSync(path.join(CORPUS, 'gcp-manualconfig-secretkey.yaml'), 'utf8'));
    expect(toAccount.status).toBe(201);
    expect(toAccount.body.connector['scope']).toEqual({ level: 'account', org: null, project: null });
  });
});
