import { DelegateTag } from '@conduit/protocol';
import {
  catalogJsonSchemas,
  collectSecretRefs,
  connectorCatalog,
  getConnectorType,
  secretRefPaths,
  SUPPORTED_TYPES,
  UnknownConnectorTypeError,
  validateConnectorSpec,
} from './catalog';
import { AUTH_KINDS, CONNECTOR_CATEGORIES, type ConnectorCategory } from './definition';
import { connectivityOf, DELEGATE_SELECTOR_PATTERN } from './schema/fields';
import { isPlainObject } from './schema/paths';
import { SECRET_REF_MARK } from './schema/references';

const EXPECTED_CATEGORIES: Record<string, ConnectorCategory> = {
  Git: 'SourceCode',
  Github: 'SourceCode',
  Gitlab: 'SourceCode',
  Bitbucket: 'SourceCode',
  AzureRepo: 'SourceCode',
  DockerRegistry: 'Artifact',
  Artifactory: 'Artifact',
  Nexus: 'Artifact',
  AzureArtifacts: 'Artifact',
  HttpHelmRepo: 'Artifact',
  Aws: 'Cloud',
  Gcp: 'Cloud',
  Azure: 'Cloud',
  K8sCluster: 'Cloud',
  Vault: 'SecretManager',
  AwsSecretManager: 'SecretManager',
  GcpSecretManager: 'SecretManager',
  Prometheus: 'Observability',
  Datadog: 'Observability',
  Splunk: 'Observability',
  NewRelic: 'Observability',
  Slack: 'Collaboration',
  MsTeams: 'Collaboration',
  Jira: 'Collaboration',
  ServiceNow: 'Collaboration',
  PagerDuty: 'Collaboration',
  Http: 'Generic',
  SshHost: 'Generic',
};

describe('the catalog', () => {
  it('has every required type once, in its category', () => {
    expect([...SUPPORTED_TYPES].sort()).toEqual(Object.keys(EXPECTED_CATEGORIES).sort());
    expect(new Set(SUPPORTED_TYPES).size).toBe(SUPPORTED_TYPES.length);
    for (const definition of connectorCatalog) {
      expect([definition.type, definition.category]).toEqual([definition.type, EXPECTED_CATEGORIES[definition.type]]);
      expect(CONNECTOR_CATEGORIES).toContain(definition.category);
      expect(definition.displayName.length).toBeGreaterThan(0);
      expect(definition.description.length).toBeGreaterThan(0);
      expect(definition.defaultDelegateSelectorsField).toBe('delegateSelectors');
    }
  });

  it('lists known auth kinds per type, and covers every kind the mission names', () => {
    for (const definition of connectorCatalog) {
      expect(definition.authKinds.length).toBeGreaterThan(0);
      expect(new Set(definition.authKinds).size).toBe(definition.authKinds.length);
      for (const kind of definition.authKinds) expect(Object.keys(AUTH_KINDS)).toContain(kind);
    }
    const used = new Set(connectorCatalog.flatMap((definition) => definition.authKinds));
    for (const kind of [
      'HttpToken',
      'HttpBasic',
      'SshKey',
      'OAuthClientCredentials',
      'OAuthRefreshToken',
      'UsernameToken',
      'ClientCertificate',
      'InheritFromDelegate',
    ] as const) {
      expect(used).toContain(kind);
    }
  });

  it('finds a type case-insensitively', () => {
    expect(getConnectorType('github')?.type).toBe('Github');
    expect(getConnectorType('K8SCLUSTER')?.type).toBe('K8sCluster');
    expect(getConnectorType('Bamboo')).toBeUndefined();
  });
});

describe('secret reference fields', () => {
  it('derives the paths from the schema', () => {
    expect(secretRefPaths('Github')).toEqual(
      expect.arrayContaining([
        'spec.authentication.spec.spec.tokenRef',
        'spec.authentication.spec.sshKeyRef',
        'spec.apiAccess.spec.tokenRef',
      ]),
    );
    expect(secretRefPaths('Prometheus')).toEqual(['spec.passwordRef', 'spec.headers[].encryptedValueRef', 'spec.caCertRef']);
    expect(secretRefPaths('Github')).not.toContain('spec.authentication.spec.spec.username');
  });

  it('agrees with the marks in the published JSON Schema, and every *Ref field is marked', () => {
    for (const entry of catalogJsonSchemas()) {
      const marked = new Set<string>();
      const unmarkedRefs = new Set<string>();
      visitJsonSchema(entry.schema, 'spec', (path, node, name) => {
        if (node[SECRET_REF_MARK] === true) marked.add(path);
        else if (name?.endsWith('Ref')) unmarkedRefs.add(path);
      });
      expect([entry.type, [...marked].sort()]).toEqual([entry.type, [...entry.secretRefFields].sort()]);
      expect([entry.type, [...unmarkedRefs]]).toEqual([entry.type, []]);
    }
  });

  it('collects only well-formed references, and refuses an unknown type', () => {
    const spec = {
      url: 'https://github.com/acme',
      type: 'Account',
      authentication: { type: 'Http', spec: { type: 'UsernameToken', spec: { username: 'u', tokenRef: 'not a ref' } } },
      apiAccess: { type: 'Token', spec: { tokenRef: 'org.github_pat' } },
    };
    expect(collectSecretRefs('Github', spec)).toEqual([
      { path: 'spec.apiAccess.spec.tokenRef', ref: 'org.github_pat' },
    ]);
    expect(() => collectSecretRefs('Bamboo', {})).toThrow(UnknownConnectorTypeError);
  });
});

describe('the connector CA (caCertRef)', () => {
  // Types whose operations speak HTTPS to a server a customer may run behind a private CA.
  const HTTPS_TYPES = ['Git', 'Github', 'Gitlab', 'Bitbucket', 'AzureRepo', 'DockerRegistry', 'Artifactory', 'Nexus', 'AzureArtifacts', 'HttpHelmRepo', 'Vault', 'Prometheus', 'Datadog', 'Splunk', 'NewRelic', 'Jira', 'ServiceNow', 'Slack', 'MsTeams', 'PagerDuty', 'Http'];

  it('is a secret reference on every type that speaks HTTPS, and on no other', () => {
    const withCa = SUPPORTED_TYPES.filter((type) => secretRefPaths(type).includes('spec.caCertRef'));
    expect([...withCa].sort()).toEqual([...HTTPS_TYPES].sort());
  });

  it('is optional, and a malformed reference is refused by its field', () => {
    const spec = { helmRepoUrl: 'https://charts.internal.example.com/stable', auth: { type: 'Anonymous' } };
    expect(validateConnectorSpec('HttpHelmRepo', spec).ok).toBe(true);
    expect(collectSecretRefs('HttpHelmRepo', { ...spec, caCertRef: 'org.internal_ca' })).toEqual([{ path: 'spec.caCertRef', ref: 'org.internal_ca' }]);
    expect(validateConnectorSpec('HttpHelmRepo', { ...spec, caCertRef: 'not a ref' })).toEqual({
      ok: false,
      issues: [{ path: 'spec.caCertRef', message: expect.any(String) }],
    });
  });
});

describe('validateConnectorSpec', () => {
  it('names an unknown type and lists the supported ones', () => {
    const result = validateConnectorSpec('Bamboo', {});
    expect(result).toEqual({
      ok: false,
      issues: [{ path: 'type', message: expect.stringContaining('Github, Gitlab') }],
    });
  });

  it('reports every problem at once, with full paths, including fields the type does not have', () => {
    const result = validateConnectorSpec('DockerRegistry', {
      dockerRegistryUrl: 'not a url',
      providerType: 'DockerHub',
      auth: { type: 'UsernamePassword', spec: { username: 'u', passwordRef: 'p', extra: true } },
      proxy: false,
    });
    expect(result).toEqual({
      ok: false,
      issues: expect.arrayContaining([
        { path: 'spec.dockerRegistryUrl', message: expect.stringContaining('http(s) URL') },
        { path: 'spec.auth.spec.extra', message: 'is not a field of DockerRegistry connectors' },
        { path: 'spec.proxy', message: 'is not a field of DockerRegistry connectors' },
      ]),
    });
  });

  it('refuses documentation placeholders, even in free-text fields', () => {
    const result = validateConnectorSpec('Azure', {
      credential: { type: 'OidcAuthentication', spec: { tenantId: '<YOUR_TENANT_ID>', applicationId: 'app' } },
    });
    expect(result).toEqual({
      ok: false,
      issues: [{ path: 'spec.credential.spec.tenantId', message: expect.stringContaining('placeholder') }],
    });
  });

  it('answers a non-object spec', () => {
    expect(validateConnectorSpec('Nexus', 'nexus')).toEqual({
      ok: false,
      issues: [{ path: 'spec', message: 'must be a mapping' }],
    });
  });
});

describe('catalogJsonSchemas', () => {
  it('describes every type for GET /v1/connector-catalog', () => {
    const entries = catalogJsonSchemas();
    expect(entries.map((entry) => entry.type)).toEqual([...SUPPORTED_TYPES]);
    const github = entries.find((entry) => entry.type === 'Github');
    expect(github).toMatchObject({ displayName: 'GitHub', category: 'SourceCode', schema: { type: 'object' } });
    expect(github?.schema['required']).toEqual(expect.arrayContaining(['url', 'type', 'authentication']));
    expect(JSON.parse(JSON.stringify(entries))).toEqual(entries);
  });
});

describe('delegate selectors', () => {
  it('follow the syntax of delegate tags, so that a selector can match a tag', () => {
    const samples = [
      'linux',
      'gcpdocplay',
      'doc-immut',
      'DELEGATE_NAME',
      'team/a:b.c',
      '-x',
      '<YOUR_DELEGATE_SELECTOR>',
      'a b',
      '_x',
    ];
    for (const sample of samples) {
      expect([sample, DELEGATE_SELECTOR_PATTERN.test(sample)]).toEqual([sample, DelegateTag.safeParse(sample).success]);
    }
  });

  it('default to running on a delegate', () => {
    expect(connectivityOf({})).toEqual({ delegateSelectors: [], executeOnDelegate: true });
    expect(connectivityOf({ delegateSelectors: ['a'], executeOnDelegate: false })).toEqual({
      delegateSelectors: ['a'],
      executeOnDelegate: false,
    });
  });
});

/** Visits each node of a JSON Schema that describes a value at some path (properties, items, alternatives). */
function visitJsonSchema(
  node: unknown,
  path: string,
  visit: (path: string, node: Record<string, unknown>, name: string | undefined) => void,
  name?: string,
): void {
  if (!isPlainObject(node)) return;
  visit(path, node, name);
  const properties = node['properties'];
  if (isPlainObject(properties)) {
    for (const [key, child] of Object.entries(properties)) visitJsonSchema(child, `${path}.${key}`, visit, key);
  }
  if (node['items'] !== undefined) visitJsonSchema(node['items'], `${path}[]`, visit);
  for (const keyword of ['oneOf', 'anyOf', 'allOf']) {
    const options = node[keyword];
    if (Array.isArray(options)) for (const option of options) visitJsonSchema(option, path, visit, name);
  }
}
