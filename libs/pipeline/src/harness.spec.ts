import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PipelineErrorCode } from './errors';
import { extractHarnessConnectorRefs, HarnessRefExtraction } from './harness';
import { PIPELINE_LIMITS } from './limits';
import { yamlLines } from './test-support';

// Real Harness pipelines, read in place (shared/harness-yaml beside the checkout), never copied into the repo.
const HARNESS_DIR = resolve(__dirname, '../../../..', 'shared/harness-yaml');
const harnessPresent = existsSync(HARNESS_DIR);
if (!harnessPresent) console.log(`skipping the Harness pipeline files: ${HARNESS_DIR} does not exist`);

const STAGE_0 = 'pipeline.stages[0].stage.spec';
const SERVICE = `${STAGE_0}.serviceConfig.serviceDefinition.spec`;
const STEP = (i: number) => `${STAGE_0}.execution.steps[${i}].step.spec.connectorRef`;
const INVALID_IDENTIFIER = (ref: string, identifier: string) =>
  `'${ref}' is not a valid reference: '${identifier}' is not an identifier (a letter or _, then up to 127 letters, digits or _)`;

/** What each file must yield: every connectorRef, in document order, with its line. */
const EXPECTED: Record<string, HarnessRefExtraction> = {
  'pipeline-cd-k8s-infra-account.yaml': {
    ok: true,
    refs: [
      {
        path: `${SERVICE}.artifacts.primary.spec.connectorRef`,
        line: 22,
        ref: 'account.docker',
        scope: 'account',
        identifier: 'docker',
      },
      {
        path: `${SERVICE}.manifests[0].manifest.spec.store.spec.connectorRef`,
        line: 34,
        ref: 'my_git_connector',
        scope: 'project',
        identifier: 'my_git_connector',
      },
      {
        path: `${SERVICE}.manifests[1].manifest.spec.store.spec.connectorRef`,
        line: 47,
        ref: 'my_git_connector',
        scope: 'project',
        identifier: 'my_git_connector',
      },
    ],
    unresolvable: [],
    // Published as-is in Harness's own test resources; `-` is not allowed in an identifier.
    invalid: [
      {
        path: `${STAGE_0}.infrastructure.infrastructureDefinition.spec.connectorRef`,
        line: 65,
        value: 'account.argocd-account',
        message: INVALID_IDENTIFIER('account.argocd-account', 'argocd-account'),
      },
    ],
  },
  'pipeline-ci-cloud-codebase-org.yaml': {
    ok: true,
    refs: [
      {
        path: 'pipeline.properties.ci.codebase.connectorRef',
        line: 32,
        ref: 'org.workshopgithub',
        scope: 'org',
        identifier: 'workshopgithub',
      },
    ],
    unresolvable: [],
    invalid: [],
  },
  'pipeline-ci-codebase-org-k8sinfra-account.yaml': {
    ok: true,
    refs: [
      {
        path: 'pipeline.properties.ci.codebase.connectorRef',
        line: 12,
        ref: 'org.harnessorg',
        scope: 'org',
        identifier: 'harnessorg',
      },
      { path: STEP(0), line: 30, ref: 'org.gcp', scope: 'org', identifier: 'gcp' },
      { path: STEP(1), line: 40, ref: 'account.harnessImage', scope: 'account', identifier: 'harnessImage' },
      {
        path: `${STAGE_0}.infrastructure.spec.connectorRef`,
        line: 61,
        ref: 'account.micahsprojects',
        scope: 'account',
        identifier: 'micahsprojects',
      },
    ],
    unresolvable: [],
    invalid: [],
  },
  'pipeline-ci-gitclone-account-org.yaml': {
    ok: true,
    refs: [
      { path: STEP(0), line: 23, ref: 'account.svc_harness_git1', scope: 'account', identifier: 'svc_harness_git1' },
      { path: STEP(1), line: 36, ref: 'org.dallindockerhubsdtk', scope: 'org', identifier: 'dallindockerhubsdtk' },
      { path: STEP(2), line: 58, ref: 'account.svc_harness_git1', scope: 'account', identifier: 'svc_harness_git1' },
      { path: STEP(3), line: 69, ref: 'org.dallindockerhubsdtk', scope: 'org', identifier: 'dallindockerhubsdtk' },
    ],
    unresolvable: [],
    invalid: [],
  },
};

(harnessPresent ? describe : describe.skip)('extractHarnessConnectorRefs on the published Harness pipelines', () => {
  it('covers every pipeline file in the folder', () => {
    const files = readdirSync(HARNESS_DIR).filter((file) => file.startsWith('pipeline-'));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (file, expected) => {
    expect(extractHarnessConnectorRefs(readFileSync(join(HARNESS_DIR, file), 'utf8'))).toEqual(expected);
  });
});

describe('extractHarnessConnectorRefs', () => {
  it('reports runtime inputs and expressions as unresolvable at parse time, not as references', () => {
    const yaml = yamlLines(
      'pipeline:',
      '  properties:',
      '    ci:',
      '      codebase:',
      '        connectorRef: <+input>',
      '  stages:',
      '    - stage:',
      '        spec:',
      '          infrastructure:',
      '            spec:',
      '              connectorRef: <+input>.default(account.k8s)',
      '          execution:',
      '            steps:',
      '              - step:',
      '                  spec:',
      '                    connectorRef: <+pipeline.variables.registry>',
      '              - step:',
      '                  spec:',
      '                    connectorRef: org.registry',
    );
    expect(extractHarnessConnectorRefs(yaml)).toEqual({
      ok: true,
      refs: [
        {
          path: 'pipeline.stages[0].stage.spec.execution.steps[1].step.spec.connectorRef',
          line: 19,
          ref: 'org.registry',
          scope: 'org',
          identifier: 'registry',
        },
      ],
      unresolvable: [
        {
          path: 'pipeline.properties.ci.codebase.connectorRef',
          line: 5,
          value: '<+input>',
          reason: 'runtime input: the connector is chosen when the pipeline runs',
        },
        {
          path: 'pipeline.stages[0].stage.spec.infrastructure.spec.connectorRef',
          line: 11,
          value: '<+input>.default(account.k8s)',
          reason: 'runtime input: the connector is chosen when the pipeline runs',
        },
        {
          path: 'pipeline.stages[0].stage.spec.execution.steps[0].step.spec.connectorRef',
          line: 16,
          value: '<+pipeline.variables.registry>',
          reason: 'expression: evaluated when the pipeline runs',
        },
      ],
      invalid: [],
    });
  });

  it('reports empty and non-text values as invalid', () => {
    const yaml = yamlLines(
      'pipeline:',
      '  a:',
      '    connectorRef:',
      '  b:',
      '    connectorRef: {x: 1}',
      '  c:',
      '    connectorRef: 12',
    );
    const result = extractHarnessConnectorRefs(yaml);
    expect(result.ok && result.invalid.map(({ path, line, message }) => ({ path, line, message }))).toEqual([
      {
        path: 'pipeline.a.connectorRef',
        line: 3,
        message: "'' is not a valid reference: it is empty; use 'account.x', 'org.x' or 'x'",
      },
      { path: 'pipeline.b.connectorRef', line: 5, message: 'expected a connector reference such as org.my_connector' },
      { path: 'pipeline.c.connectorRef', line: 7, message: 'expected a connector reference such as org.my_connector' },
    ]);
  });

  it('reports a reference used through a YAML alias once, where it is defined', () => {
    const yaml = yamlLines('a: &store', '  connectorRef: org.git', 'b: *store', 'c:', '  - *store');
    const result = extractHarnessConnectorRefs(yaml);
    expect(result.ok && result.refs.map((ref) => ref.path)).toEqual(['a.connectorRef']);
  });

  it('finds nothing in a document without connectorRef keys, whatever its shape', () => {
    expect(extractHarnessConnectorRefs('- a\n- b\n')).toEqual({ ok: true, refs: [], unresolvable: [], invalid: [] });
    expect(extractHarnessConnectorRefs('')).toEqual({ ok: true, refs: [], unresolvable: [], invalid: [] });
  });

  it('rejects YAML syntax errors with their line', () => {
    expect(extractHarnessConnectorRefs('pipeline:\n  connectorRef: [a\n')).toEqual({
      ok: false,
      errors: [expect.objectContaining({ code: PipelineErrorCode.YamlSyntax, line: 3 })],
    });
  });

  it('rejects oversized and overly nested documents', () => {
    const big = `# ${'x'.repeat(PIPELINE_LIMITS.maxDocumentBytes)}\n`;
    expect(extractHarnessConnectorRefs(big)).toMatchObject({
      ok: false,
      errors: [{ code: PipelineErrorCode.DocumentTooLarge }],
    });
    const deep = `${'['.repeat(PIPELINE_LIMITS.maxNestingDepth + 2)}${']'.repeat(PIPELINE_LIMITS.maxNestingDepth + 2)}`;
    expect(extractHarnessConnectorRefs(deep)).toMatchObject({
      ok: false,
      errors: [{ code: PipelineErrorCode.LimitExceeded }],
    });
  });
});
