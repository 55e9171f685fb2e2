import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { collectSecretRefs, getConnectorType, SUPPORTED_TYPES, validateConnectorSpec } from '../catalog';
import { formatPath, isPlainObject, valueAt, type FieldPath } from '../schema/paths';
import { parseHarnessConnectorYaml, stringifyConnectorYaml, type ImportedConnector } from './connector-yaml';

// Real, published Harness YAML (shared/harness-yaml beside the checkout; never copied into the repository).
// From libs/connectors/src/harness, five levels up is the folder holding both main/ and shared/.
const CORPUS = path.resolve(__dirname, '../../../../..', 'shared/harness-yaml');

interface Imports {
  outcome: 'imports';
  type: string;
  identifier: string;
  org?: string;
  project?: string;
  /** path → reference */
  secretRefs: Record<string, string>;
  ignoredFields?: string[];
  placeholders?: string[];
  executeOnDelegate: boolean;
  delegateSelectors?: string[];
}

interface Rejected {
  outcome: 'rejected';
  /** The field the 400 must name ('' for the document as a whole). */
  field: string;
  message: RegExp;
}

/** Pipelines are read by libs/pipeline; here they only must not pass for connectors. */
interface NotAConnector {
  outcome: 'not-a-connector';
}

const SUPPORTED_LIST = new RegExp(`supported types: ${SUPPORTED_TYPES.join(', ')}$`);

const EXPECTED: Record<string, Imports | Rejected | NotAConnector> = {
  'artifactory-anon.yaml': {
    outcome: 'imports',
    type: 'Artifactory',
    identifier: 'artifactorytutorialconnector',
    org: 'default',
    project: 'CD_Docs',
    secretRefs: {},
    executeOnDelegate: false,
  },
  'aws-manualconfig-accesskey.yaml': {
    outcome: 'imports',
    type: 'Aws',
    identifier: 'ECR',
    org: 'default',
    project: 'CD_Docs',
    secretRefs: { 'spec.credential.spec.secretKeyRef': 'secretaccesskey' },
    executeOnDelegate: true,
    delegateSelectors: ['doc-immut'],
  },
  'aws-manualconfig-accesskeyref.yaml': {
    outcome: 'imports',
    type: 'Aws',
    identifier: 'jsmithaws',
    org: 'default',
    project: 'jsmith_project',
    secretRefs: {
      'spec.credential.spec.accessKeyRef': 'jsmithawsaccesskeyid',
      'spec.credential.spec.secretKeyRef': 'jsmithawssecretaccesskey',
    },
    executeOnDelegate: false,
  },
  'aws-manualconfig-crossaccount.yaml': {
    outcome: 'imports',
    type: 'Aws',
    identifier: 'awsconnector',
    org: 'default',
    project: 'default_project',
    secretRefs: { 'spec.credential.spec.secretKeyRef': 'awssecret' },
    executeOnDelegate: true,
    delegateSelectors: ['DELEGATE_NAME'],
  },
  // `identifier: aws-connector`: a hyphen is not allowed in an identifier (Harness refuses it too).
  'aws-manualconfig-sessiontoken-backoff.yaml': {
    outcome: 'rejected',
    field: 'connector.identifier',
    message: /'aws-connector' is not an identifier/,
  },
  'awssecretmanager-manualconfig.yaml': {
    outcome: 'imports',
    type: 'AwsSecretManager',
    identifier: 'awssecretmanager',
    org: 'default',
    project: 'default_project',
    secretRefs: {
      'spec.credential.spec.accessKey': 'aws_secret_access_key',
      'spec.credential.spec.secretKey': 'aws_secret_secret_key',
    },
    ignoredFields: ['connector.spec.default'],
    executeOnDelegate: true,
  },
  'azure-manualconfig-secret.yaml': {
    outcome: 'imports',
    type: 'Azure',
    identifier: 'ACRdocs',
    org: 'default',
    project: 'CD_Docs',
    secretRefs: { 'spec.credential.spec.auth.spec.secretRef': 'acrvalue' },
    executeOnDelegate: false,
  },
  'azure-oidc.yaml': {
    outcome: 'imports',
    type: 'Azure',
    identifier: 'azure_oidc',
    secretRefs: {},
    ignoredFields: ['connector.spec.environment'],
    placeholders: [
      'connector.spec.credential.spec.tenantId',
      'connector.spec.credential.spec.applicationId',
      'connector.spec.delegateSelectors[0]',
    ],
    executeOnDelegate: true,
    delegateSelectors: ['<YOUR_DELEGATE_SELECTOR>'],
  },
  'azureartifacts-pat.yaml': {
    outcome: 'imports',
    type: 'AzureArtifacts',
    identifier: 'Azure_Artifacts',
    org: 'default',
    project: 'CD_Docs',
    secretRefs: { 'spec.auth.spec.spec.tokenRef': 'azureartifactspat' },
    executeOnDelegate: true,
    delegateSelectors: ['gcpdocplay'],
  },
  'azurerepo-http-usernametoken.yaml': {
    outcome: 'rejected',
    field: 'connector.spec.type',
    message: /is required: one of Project, Repo/,
  },
  'bamboo-userpass.yaml': { outcome: 'rejected', field: 'connector.type', message: SUPPORTED_LIST },
  'bitbucket-http-usernametoken-account.yaml': {
    outcome: 'imports',
    type: 'Bitbucket',
    identifier: 'bitbucket_connector',
    secretRefs: { 'spec.authentication.spec.spec.tokenRef': 'bitbucket_app_password' },
    executeOnDelegate: true,
  },
  'docker-dockerhub-anon.yaml': {
    outcome: 'imports',
    type: 'DockerRegistry',
    identifier: 'dockerhub',
    org: 'default',
    project: 'APISample',
    secretRefs: {},
    executeOnDelegate: true,
  },
  'docker-dockerhub-userpass.yaml': {
    outcome: 'imports',
    type: 'DockerRegistry',
    identifier: 'Docker_Hub_with_Pwd',
    org: 'default',
    project: 'CD_Docs',
    secretRefs: { 'spec.auth.spec.passwordRef': 'Docker_Hub_Pwd' },
    executeOnDelegate: false,
  },
  'docker-other-anon.yaml': {
    outcome: 'imports',
    type: 'DockerRegistry',
    identifier: 'harnessdocker',
    org: 'default',
    project: 'communityeng',
    secretRefs: {},
    executeOnDelegate: true,
  },
  'gcp-inherit-from-delegate.yaml': {
    outcome: 'imports',
    type: 'Gcp',
    identifier: 'GCR',
    org: 'default',
    project: 'CD_Docs',
    secretRefs: {},
    executeOnDelegate: true,
    delegateSelectors: ['gcpdocplay'],
  },
  'gcp-manualconfig-secretkey.yaml': {
    outcome: 'imports',
    type: 'Gcp',
    identifier: 'gcpconnector',
    org: 'default',
    project: 'default_project',
    secretRefs: { 'spec.credential.spec.secretKeyRef': 'gcpsecret' },
    executeOnDelegate: false,
  },
  'gcpsecretmanager-credentialsref.yaml': {
    outcome: 'imports',
    type: 'GcpSecretManager',
    identifier: 'gcp_secret_manager',
    org: 'default',
    project: 'default_project',
    secretRefs: { 'spec.credentialsRef': 'gcp_secret_secret_key' },
    ignoredFields: ['connector.spec.default'],
    executeOnDelegate: true,
  },
  'git-http-userpass.yaml': {
    outcome: 'imports',
    type: 'Git',
    identifier: 'my_git_connector',
    org: 'Devops',
    project: 'Harness_Sample_App',
    secretRefs: { 'spec.spec.passwordRef': 'account.harnessAccountPassword' },
    executeOnDelegate: true,
  },
  'git-ssh.yaml': { outcome: 'rejected', field: 'connector.spec.spec.sshKeyRef', message: /`secretRef:` prefix/ },
  'github-http-usernametoken-account.yaml': {
    outcome: 'imports',
    type: 'Github',
    identifier: 'harnessgitconnector',
    org: 'default',
    project: 'default_project',
    secretRefs: {
      'spec.authentication.spec.spec.tokenRef': 'harness_gitpat',
      'spec.apiAccess.spec.tokenRef': 'harness_gitpat',
    },
    executeOnDelegate: false,
  },
  'github-http-usernametoken-repo.yaml': {
    outcome: 'imports',
    type: 'Github',
    identifier: 'GitHub_Packages',
    org: 'default',
    project: 'CD_Docs',
    secretRefs: {
      'spec.authentication.spec.spec.tokenRef': 'githubpackages',
      'spec.apiAccess.spec.tokenRef': 'githubpackages',
    },
    executeOnDelegate: true,
    delegateSelectors: ['gcpdocplay'],
  },
  'github-ssh.yaml': {
    outcome: 'rejected',
    field: 'connector.spec.type',
    message: /is required: one of Account, Repo/,
  },
  'gitlab-http-usernametoken-account.yaml': {
    outcome: 'imports',
    type: 'Gitlab',
    identifier: 'gitlab_connector',
    secretRefs: { 'spec.authentication.spec.spec.tokenRef': 'gitlab_token' },
    executeOnDelegate: true,
  },
  'httphelm-nexus-userpass.yaml': {
    outcome: 'imports',
    type: 'HttpHelmRepo',
    identifier: 'Harness_Nexus',
    org: 'default',
    project: 'CD_Docs',
    secretRefs: { 'spec.auth.spec.passwordRef': 'nexus3pwd' },
    executeOnDelegate: true,
    delegateSelectors: ['gcpdocplay'],
  },
  'jira-userpass-notype.yaml': { outcome: 'rejected', field: 'connector.type', message: /^is required: one of Git, / },
  'k8s-clientkeycert.yaml': { outcome: 'rejected', field: 'connector.projectIdentifier', message: /contains spaces/ },
  'k8s-inherit-from-delegate.yaml': {
    outcome: 'imports',
    type: 'K8sCluster',
    identifier: 'harnessk8sconnector',
    org: 'default',
    project: 'default_project',
    secretRefs: {},
    executeOnDelegate: true,
    delegateSelectors: ['DELEGATE_NAME'],
  },
  'k8s-manualconfig-userpass.yaml': {
    outcome: 'imports',
    type: 'K8sCluster',
    identifier: 'Doc_Kubernetes_Cluster',
    secretRefs: { 'spec.credential.spec.auth.spec.passwordRef': 'account.gcpexample' },
    executeOnDelegate: true,
  },
  'k8s-openidconnect.yaml': { outcome: 'rejected', field: 'connector.projectIdentifier', message: /contains spaces/ },
  'k8s-serviceaccount.yaml': { outcome: 'rejected', field: 'connector.projectIdentifier', message: /contains spaces/ },
  'nexus3-userpass.yaml': {
    outcome: 'imports',
    type: 'Nexus',
    identifier: 'nexus_connector',
    secretRefs: { 'spec.auth.spec.passwordRef': 'nexus_password' },
    executeOnDelegate: true,
  },
  'pdc-hosts.yaml': { outcome: 'rejected', field: 'connector.type', message: SUPPORTED_LIST },
  'pipeline-cd-k8s-infra-account.yaml': { outcome: 'not-a-connector' },
  'pipeline-ci-cloud-codebase-org.yaml': { outcome: 'not-a-connector' },
  'pipeline-ci-codebase-org-k8sinfra-account.yaml': { outcome: 'not-a-connector' },
  'pipeline-ci-gitclone-account-org.yaml': { outcome: 'not-a-connector' },
  'servicenow-userpass.yaml': { outcome: 'rejected', field: '', message: /^is not valid YAML at line 13.*template/ },
  'vault-token.yaml': {
    outcome: 'imports',
    type: 'Vault',
    identifier: 'hashicorp_vault',
    org: 'default',
    project: 'default_project',
    secretRefs: { 'spec.authToken': 'hashicorp_admin' },
    ignoredFields: ['connector.spec.default'],
    placeholders: ['connector.spec.vaultUrl'],
    executeOnDelegate: true,
  },
};

const corpusPresent = fs.existsSync(CORPUS);
if (!corpusPresent) {
  console.warn(`Harness YAML corpus not found at ${CORPUS}: corpus tests skipped`);
}
const describeCorpus = corpusPresent ? describe : describe.skip;

function read(file: string): string {
  return fs.readFileSync(path.join(CORPUS, file), 'utf8');
}

function importedFrom(file: string): ImportedConnector {
  const result = parseHarnessConnectorYaml(read(file));
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.errors)}`);
  return result.connector;
}

const importable = Object.entries(EXPECTED).flatMap(([file, expected]) =>
  expected.outcome === 'imports' ? [[file, expected] as const] : [],
);
const refused = Object.entries(EXPECTED).flatMap(([file, expected]) =>
  expected.outcome === 'rejected' ? [[file, expected] as const] : [],
);
const pipelines = Object.entries(EXPECTED).flatMap(([file, expected]) =>
  expected.outcome === 'not-a-connector' ? [file] : [],
);

describeCorpus('Harness YAML corpus', () => {
  it('has an expectation for every file, and a file for every expectation', () => {
    const files = fs.readdirSync(CORPUS).filter((file) => /\.ya?ml$/.test(file));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  describe.each(importable)('%s imports', (file, expected) => {
    it('as its type and identifier, with its scope, connectivity, secret references, ignored fields and blanks', () => {
      const connector = importedFrom(file);
      expect({
        type: connector.type,
        identifier: connector.identifier,
        org: connector.orgIdentifier,
        project: connector.projectIdentifier,
        secretRefs: Object.fromEntries(connector.secretRefs.map((use) => [use.path, use.ref])),
        ignoredFields: connector.ignoredFields,
        placeholders: connector.placeholders.map((found) => found.path),
        executeOnDelegate: connector.executeOnDelegate,
        delegateSelectors: connector.delegateSelectors,
      }).toEqual({
        type: expected.type,
        identifier: expected.identifier,
        org: expected.org,
        project: expected.project,
        secretRefs: expected.secretRefs,
        ignoredFields: expected.ignoredFields ?? [],
        placeholders: expected.placeholders ?? [],
        executeOnDelegate: expected.executeOnDelegate,
        delegateSelectors: expected.delegateSelectors ?? [],
      });
    });

    it('keeps or reports every field of the file', () => {
      const connector = importedFrom(file);
      const document: unknown = YAML.parse(read(file));
      for (const leaf of leaves(document)) {
        const where = formatPath(leaf.path);
        const reported = connector.ignoredFields.some(
          (ignored) => where === ignored || where.startsWith(`${ignored}.`),
        );
        if (reported || carriesNoValue(leaf)) continue;
        expect([where, valueAt({ connector }, leaf.path)]).toEqual([where, expectedValue(leaf)]);
      }
    });

    it('has a spec the API accepts unchanged once blanks are filled in, with the same secret references', () => {
      const connector = importedFrom(file);
      expect(collectSecretRefs(connector.type, connector.spec)).toEqual(connector.secretRefs);
      const definition = getConnectorType(connector.type);
      if (connector.placeholders.length === 0) {
        expect(validateConnectorSpec(connector.type, connector.spec)).toEqual({ ok: true, spec: connector.spec });
        // Schemas validate; they never rewrite a spec, so what the file said is what is stored.
        expect(definition?.schema.parse(connector.spec)).toEqual(connector.spec);
      } else {
        const result = validateConnectorSpec(connector.type, connector.spec);
        expect(result.ok ? [] : result.issues.map((issue) => issue.path).sort()).toEqual(
          (expected.placeholders ?? []).map((found) => found.replace(/^connector\./, '')).sort(),
        );
      }
    });

    it('round-trips through stringifyConnectorYaml', () => {
      const connector = importedFrom(file);
      const again = parseHarnessConnectorYaml(stringifyConnectorYaml(connector));
      expect(again).toEqual({ ok: true, connector: { ...connector, ignoredFields: [] } });
    });
  });

  describe.each(refused)('%s is refused', (file, expected) => {
    it('with an error naming the field', () => {
      const result = parseHarnessConnectorYaml(read(file));
      expect(result.ok).toBe(false);
      expect(result.ok ? [] : result.errors).toEqual(
        expect.arrayContaining([{ path: expected.field, message: expect.stringMatching(expected.message) }]),
      );
    });
  });

  it.each(pipelines)('%s is a pipeline, not a connector', (file) => {
    expect(parseHarnessConnectorYaml(read(file))).toEqual({
      ok: false,
      errors: [{ path: '', message: 'is a Harness pipeline document, not a connector' }],
    });
  });
});

interface Leaf {
  path: FieldPath;
  value: unknown;
}

function leaves(value: unknown, path: FieldPath = []): Leaf[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, [...path, index]));
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, child]) => leaves(child, [...path, key]));
  }
  return [{ path, value }];
}

/** `key:` with nothing, `orgIdentifier: ""` at account scope and an empty `tags: {}` carry no value. */
function carriesNoValue(leaf: Leaf): boolean {
  const key = leaf.path[leaf.path.length - 1];
  if (leaf.value === null) return !(leaf.path.length === 3 && leaf.path[1] === 'tags');
  if (isPlainObject(leaf.value)) return true;
  return leaf.value === '' && (key === 'orgIdentifier' || key === 'projectIdentifier');
}

function expectedValue(leaf: Leaf): unknown {
  return leaf.path[1] === 'tags' && leaf.value === null ? '' : leaf.value;
}
