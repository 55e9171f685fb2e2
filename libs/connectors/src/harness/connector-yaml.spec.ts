import { validateConnectorSpec } from '../catalog';
import {
  MAX_CONNECTOR_YAML_BYTES,
  parseHarnessConnectorYaml,
  stringifyConnectorYaml,
  type ImportedConnector,
} from './connector-yaml';

const github = `
connector:
  name: GitHub acme
  identifier: github_acme
  description: ""
  orgIdentifier: default
  projectIdentifier: platform
  tags:
    team: platform
    critical:
    tier: 1
  type: Github
  spec:
    url: https://github.com/acme
    type: Account
    validationRepo: app
    authentication:
      type: Http
      spec:
        type: UsernameToken
        spec:
          username: ci-bot
          tokenRef: account.github_pat
    apiAccess:
      type: Token
      spec:
        tokenRef: account.github_pat
    delegateSelectors:
      - linux
    executeOnDelegate: true
`;

function imported(source: string): ImportedConnector {
  const result = parseHarnessConnectorYaml(source);
  if (!result.ok) throw new Error(`expected an import, got ${JSON.stringify(result.errors)}`);
  return result.connector;
}

function errorsOf(source: string): { path: string; message: string }[] {
  const result = parseHarnessConnectorYaml(source);
  if (result.ok) throw new Error('expected the import to be refused');
  return result.errors;
}

describe('parseHarnessConnectorYaml', () => {
  it('imports a connector with its scope, tags, connectivity and secret references', () => {
    expect(imported(github)).toEqual({
      name: 'GitHub acme',
      identifier: 'github_acme',
      description: '',
      tags: { team: 'platform', critical: '', tier: '1' },
      orgIdentifier: 'default',
      projectIdentifier: 'platform',
      type: 'Github',
      spec: expect.objectContaining({ url: 'https://github.com/acme', type: 'Account' }),
      delegateSelectors: ['linux'],
      executeOnDelegate: true,
      secretRefs: [
        { path: 'spec.authentication.spec.spec.tokenRef', ref: 'account.github_pat' },
        { path: 'spec.apiAccess.spec.tokenRef', ref: 'account.github_pat' },
      ],
      ignoredFields: [],
      placeholders: [],
    });
  });

  it('reports fields Conduit has no place for, at any depth, and leaves them out of the spec', () => {
    const source = github
      .replace('  type: Github\n', '  type: Github\n  accountIdentifier: acme_account\n')
      .replace('    validationRepo: app\n', '    validationRepo: app\n    proxy: false\n')
      .replace('          username: ci-bot\n', '          username: ci-bot\n          kerberos: none\n');
    const connector = imported(`${source}version: 1\n`);
    expect(connector.ignoredFields).toEqual([
      'version',
      'connector.accountIdentifier',
      'connector.spec.proxy',
      'connector.spec.authentication.spec.spec.kerberos',
    ]);
    expect(connector.spec).not.toHaveProperty('proxy');
    expect(JSON.stringify(connector)).not.toContain('kerberos":');
  });

  it('reads the type case-insensitively and writes it canonically', () => {
    expect(imported(github.replace('type: Github', 'type: github')).type).toBe('Github');
  });

  it('treats empty scope identifiers as account scope and requires an org for a project', () => {
    const account = imported(
      github
        .replace('orgIdentifier: default', 'orgIdentifier: ""')
        .replace('projectIdentifier: platform', 'projectIdentifier: ""'),
    );
    expect(account).not.toHaveProperty('orgIdentifier');
    expect(account).not.toHaveProperty('projectIdentifier');
    expect(errorsOf(github.replace('  orgIdentifier: default\n', ''))).toEqual([
      { path: 'connector.orgIdentifier', message: 'is required when projectIdentifier is set' },
    ]);
  });

  it('defaults to connecting through a delegate', () => {
    const connector = imported(github.replace('    executeOnDelegate: true\n', ''));
    expect(connector.executeOnDelegate).toBe(true);
    expect(connector.spec).not.toHaveProperty('executeOnDelegate');
    expect(imported(github.replace('executeOnDelegate: true', 'executeOnDelegate: false')).executeOnDelegate).toBe(
      false,
    );
  });

  it('names each field at fault, all at once', () => {
    const source = github
      .replace('identifier: github_acme', 'identifier: github-acme')
      .replace('projectIdentifier: platform', 'projectIdentifier: My Project')
      .replace('    type: Account\n', '')
      .replace('tokenRef: account.github_pat', 'tokenRef: secretRef:github_pat');
    expect(errorsOf(source)).toEqual([
      { path: 'connector.identifier', message: expect.stringContaining("'github-acme' is not an identifier") },
      { path: 'connector.projectIdentifier', message: expect.stringContaining('contains spaces') },
      { path: 'connector.spec.type', message: 'is required: one of Account, Repo' },
      {
        path: 'connector.spec.authentication.spec.spec.tokenRef',
        message: expect.stringContaining('`secretRef:` prefix'),
      },
    ]);
  });

  it('does not repeat a credential written where a reference belongs', () => {
    const errors = errorsOf(
      github.replace('tokenRef: account.github_pat', 'tokenRef: ghp_R3alT0kenValue0123456789abcdefABCDEF'),
    );
    expect(errors).toEqual([{ path: 'connector.spec.authentication.spec.spec.tokenRef', message: expect.any(String) }]);
    expect(JSON.stringify(errors)).not.toContain('ghp_R3alT0kenValue0123456789abcdefABCDEF');
  });

  it('requires a type, and lists the supported ones for an unknown type', () => {
    expect(errorsOf(github.replace('  type: Github\n', ''))).toEqual([
      { path: 'connector.type', message: expect.stringContaining('is required: one of Git, Github') },
    ]);
    expect(errorsOf(github.replace('type: Github', 'type: Bamboo'))).toEqual([
      {
        path: 'connector.type',
        message: expect.stringMatching(/'Bamboo' is not a supported connector type; supported types: .*SshHost/),
      },
    ]);
  });

  it('refuses templates: runtime inputs, {{ }} and {NAME} placeholders, and text that is not YAML', () => {
    expect(errorsOf(github.replace('url: https://github.com/acme', 'url: <+input>'))).toEqual([
      { path: 'connector.spec.url', message: expect.stringContaining('runtime input') },
    ]);
    expect(errorsOf(github.replace('validationRepo: app', 'validationRepo: "{{ repo }}"'))).toEqual([
      { path: 'connector.spec.validationRepo', message: expect.stringContaining('template placeholder') },
    ]);
    expect(errorsOf(github.replace('orgIdentifier: default', 'orgIdentifier: {ORG_ID}'))).toEqual([
      { path: 'connector.orgIdentifier', message: expect.stringContaining('{ORG_ID}') },
    ]);
    expect(errorsOf(github.replace('      - linux', '      - {PROJECT}-delegate'))).toEqual([
      {
        path: '',
        message: expect.stringMatching(/^is not valid YAML at line \d+, column \d+: .*template.*\{PROJECT\}/),
      },
    ]);
  });

  it('refuses duplicate keys, several documents, other Harness documents and oversized input', () => {
    expect(errorsOf(github.replace('  type: Github\n', '  type: Github\n  type: Gitlab\n'))[0]?.message).toMatch(
      /not valid YAML/,
    );
    expect(errorsOf(`${github}---\n${github}`)[0]?.message).toMatch(/not valid YAML/);
    expect(errorsOf('pipeline:\n  name: build\n')).toEqual([
      { path: '', message: 'is a Harness pipeline document, not a connector' },
    ]);
    expect(errorsOf('- a\n- b\n')).toEqual([{ path: '', message: 'must be a mapping with a `connector` key' }]);
    expect(errorsOf('name: x\n')).toEqual([{ path: '', message: 'has no `connector` key' }]);
    expect(errorsOf('connector: github\n')).toEqual([{ path: 'connector', message: 'must be a mapping' }]);
    expect(errorsOf(`${github}# ${'x'.repeat(MAX_CONNECTOR_YAML_BYTES)}\n`)[0]?.message).toMatch(/larger than/);
  });

  it('imports documentation placeholders, says where they are, and the API refuses them until filled in', () => {
    const connector = imported(github.replace('url: https://github.com/acme', 'url: <YOUR_GITHUB_URL>'));
    expect(connector.placeholders).toEqual([{ path: 'connector.spec.url', value: '<YOUR_GITHUB_URL>' }]);
    expect(connector.spec['url']).toBe('<YOUR_GITHUB_URL>');
    expect(validateConnectorSpec(connector.type, connector.spec)).toEqual({
      ok: false,
      issues: [{ path: 'spec.url', message: expect.stringContaining('placeholder') }],
    });
  });

  it('still refuses a placeholder where the field allows no free text', () => {
    expect(errorsOf(github.replace('    type: Account\n', '    type: <ACCOUNT_OR_REPO>\n'))).toEqual([
      { path: 'connector.spec.type', message: 'must be one of Account, Repo' },
    ]);
  });
});

describe('stringifyConnectorYaml', () => {
  it("writes Harness's document shape, which reads back to the same connector", () => {
    const connector = imported(github);
    const text = stringifyConnectorYaml(connector);
    expect(text.startsWith('connector:\n  name: GitHub acme\n  identifier: github_acme\n')).toBe(true);
    expect(Object.keys(imported(text) as unknown as Record<string, unknown>)).toEqual(Object.keys(connector));
    expect(imported(text)).toEqual(connector);
  });

  it('omits absent scopes and writes what the import needs', () => {
    const text = stringifyConnectorYaml({
      name: 'Hub',
      identifier: 'hub',
      type: 'DockerRegistry',
      spec: {
        dockerRegistryUrl: 'https://index.docker.io/v2/',
        providerType: 'DockerHub',
        auth: { type: 'Anonymous' },
      },
    });
    expect(text).not.toContain('orgIdentifier');
    expect(imported(text)).toMatchObject({
      name: 'Hub',
      identifier: 'hub',
      description: '',
      tags: {},
      type: 'DockerRegistry',
    });
  });
});
