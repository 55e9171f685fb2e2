import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AlertRuleView, ConnectorView, SecretView } from '../api/views';
import { loadDocuments, parseDocuments } from './documents';
import { compareAlertRule, compareConnector, comparePipeline, compareSecret, readAlertRule, readConnector, readSecret } from './plan';

const connectorYaml = (description: string) => `connector:
  name: Prometheus
  identifier: prom
  description: ${description}
  orgIdentifier: ""
  tags:
    team: obs
  type: Prometheus
  spec:
    url: http://prom:9090
    username: reader
    passwordRef: prom_pw
    delegateSelectors:
      - edge
`;

const stored = (over: Partial<ConnectorView> = {}): ConnectorView => ({
  identifier: 'prom',
  ref: 'prom',
  name: 'Prometheus',
  description: 'metrics',
  type: 'Prometheus',
  category: 'Monitoring',
  scope: { level: 'account', org: null, project: null },
  spec: { url: 'http://prom:9090', username: 'reader', passwordRef: 'prom_pw', delegateSelectors: ['edge'] },
  tags: { team: 'obs' },
  delegateSelectors: ['edge'],
  connectivity: 'delegate',
  status: 'ACTIVE',
  errorSummary: null,
  errors: [],
  secretRefs: [],
  lastConnectedAt: null,
  lastTestedAt: null,
  updatedAt: '2025-01-01T00:00:00Z',
  version: 4,
  ...over,
});

const one = (text: string) => {
  const [document] = parseDocuments(text, 'x.yaml');
  if (!document) throw new Error('no document');
  return document;
};

describe('apply: reading documents', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'conduit-apply-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads multi-document files and directories in name order, skipping other files and empty documents', async () => {
    writeFileSync(path.join(dir, 'b.yaml'), 'pipeline:\n  identifier: p\n  name: P\n');
    writeFileSync(path.join(dir, 'a.yml'), `${connectorYaml('one')}---\n---\nsecret:\n  identifier: prom_pw\n`);
    writeFileSync(path.join(dir, 'notes.txt'), 'connector: {}');
    mkdirSync(path.join(dir, 'nested.yaml'));
    const documents = await loadDocuments([dir], async () => Buffer.alloc(0));
    expect(documents.map((d) => [d.kind, path.basename(d.source)])).toEqual([
      ['connector', 'a.yml#1'],
      ['secret', 'a.yml#3'],
      ['pipeline', 'b.yaml'],
    ]);
  });

  it('names the file and line of broken YAML and the keys of an unknown document', () => {
    expect(() => parseDocuments('connector:\n  name: [x\n', 'bad.yaml')).toThrow(/^bad\.yaml:\d+:\d+: not valid YAML/);
    expect(() => parseDocuments('service:\n  name: x\n', 'svc.yaml')).toThrow("svc.yaml: is not a document conduit applies (keys: service); expected exactly one of secret, connector, pipeline");
  });
});

describe('apply: comparing with the control plane', () => {
  it('creates a connector that does not exist, showing the whole document as additions', () => {
    const result = compareConnector(undefined, readConnector(one(connectorYaml('metrics'))));
    expect(result.action).toBe('create');
    expect(result.diff).toContain('+  url: http://prom:9090');
  });

  it('finds an imported connector unchanged, and a changed description as an update with a diff', () => {
    expect(compareConnector(stored(), readConnector(one(connectorYaml('metrics'))))).toEqual({ action: 'unchanged', diff: [] });
    const changed = compareConnector(stored(), readConnector(one(connectorYaml('long-term metrics'))));
    expect(changed.action).toBe('update');
    expect(changed.diff.filter((l) => /^[-+]/.test(l))).toEqual(['--- connector/prom (control plane)', '+++ connector/prom (file)', '-description: metrics', '+description: long-term metrics']);
  });

  it('refuses to change a connector type', () => {
    expect(compareConnector(stored({ type: 'Datadog' }), readConnector(one(connectorYaml('metrics'))))).toMatchObject({ action: 'blocked', outcome: 'not updated', reason: expect.stringContaining("a connector's type cannot change") });
  });

  it('names the fields that keep a connector file from applying', () => {
    expect(() => readConnector(one('connector:\n  identifier: 9bad\n  type: Prometheus\n  spec: {}\n'))).toThrow(/connector\.identifier: /);
  });

  const secret = (over: Partial<SecretView> = {}): SecretView => ({
    identifier: 'prom_pw',
    ref: 'prom_pw',
    name: 'Prometheus password',
    description: '',
    tags: {},
    kind: 'text',
    allowPlatformUse: false,
    scope: { level: 'account', org: null, project: null },
    version: 1,
    updatedAt: '2025-01-01T00:00:00Z',
    ...over,
  });

  it('never reads a secret value from a file', () => {
    expect(() => readSecret(one('secret:\n  identifier: prom_pw\n  value: hunter2\n'))).toThrow(/secret\.value: secret documents carry metadata only/);
  });

  it('leaves an existing secret alone and says why when its metadata differs', () => {
    const document = readSecret(one('secret:\n  identifier: prom_pw\n  name: Prometheus password\n  tags:\n    team: obs\n'));
    expect(compareSecret(secret({ tags: { team: 'obs' } }), document)).toEqual({ action: 'unchanged', diff: [] });
    expect(compareSecret(secret(), document)).toMatchObject({
      action: 'blocked',
      outcome: 'unchanged',
      reason: expect.stringContaining("its tags differs from the file, and a secret's metadata cannot be changed"),
    });
  });

  it('will not create a value secret from metadata, but creates and re-points references', () => {
    expect(compareSecret(undefined, readSecret(one('secret:\n  identifier: prom_pw\n')))).toMatchObject({ action: 'blocked', outcome: 'not created', reason: expect.stringContaining('conduit secret create prom_pw') });
    const reference = readSecret(one('secret:\n  identifier: db\n  kind: reference\n  reference:\n    manager: vault\n    path: kv/db\n'));
    expect(compareSecret(undefined, reference).action).toBe('create');
    const current = secret({ identifier: 'db', name: 'db', kind: 'reference', versions: [{ version: 1, sealedBy: 'external', recipients: [], reference: { manager: 'vault', path: 'kv/old' }, createdAt: '' }] });
    expect(compareSecret(current, reference)).toMatchObject({ action: 'update', diff: expect.arrayContaining(['-  path: kv/old', '+  path: kv/db']) });
  });

  it('compares pipelines by content, not layout or comments', () => {
    const document = one('pipeline:\n  identifier: deploy\n  name: Deploy   # the name\n  stages: []\n');
    expect(comparePipeline(undefined, document, 'deploy').action).toBe('create');
    expect(comparePipeline('pipeline: {identifier: deploy, name: Deploy, stages: []}\n', document, 'deploy').action).toBe('unchanged');
    const changed = comparePipeline('pipeline:\n  identifier: deploy\n  name: Old\n  stages: []\n', document, 'deploy');
    expect(changed.action).toBe('update');
    expect(changed.diff).toEqual(expect.arrayContaining(['-  name: Old', '+  name: Deploy   # the name']));
  });
});

describe('alert rule documents', () => {
  const ruleYaml = (extra = '') => `alertRule:
  identifier: deploy_failed
  name: Deploy failed
  condition:
    type: PipelineFailed
  notify: [org.slack]
  cooldown: 900s
${extra}`;
  const storedRule = (over: Partial<AlertRuleView> = {}): AlertRuleView => ({
    identifier: 'deploy_failed',
    name: 'Deploy failed',
    description: '',
    enabled: true,
    condition: { type: 'PipelineFailed', pipelines: [] },
    notify: ['org.slack'],
    cooldown: '15m',
    scope: { level: 'account', org: null, project: null },
    version: 2,
    updatedAt: '2025-01-01T00:00:00Z',
    ...over,
  });
  const read = (text: string) => readAlertRule(parseDocuments(text, 'rules.yaml')[0] as never);

  it('is unchanged against the stored rule when only defaults and the spelling of durations differ', () => {
    expect(compareAlertRule(storedRule(), read(ruleYaml()))).toEqual({ action: 'unchanged', diff: [] });
  });

  it('shows what changed, and creates what is missing', () => {
    const changed = compareAlertRule(storedRule(), read(ruleYaml('  enabled: false\n')));
    expect(changed.action).toBe('update');
    expect(changed.diff).toContain('-enabled: true');
    expect(changed.diff).toContain('+enabled: false');
    expect(compareAlertRule(undefined, read(ruleYaml())).action).toBe('create');
  });

  it('names the field of a broken document', () => {
    expect(() => read('alertRule:\n  identifier: x\n  condition: {type: PipelineFailed}\n  notify: []\n  severity: high\n')).toThrow(
      /rules\.yaml: not an alert rule document:\n {2}alertRule\.notify: .*\n {2}alertRule: Unrecognized key: "severity"/,
    );
  });
});
