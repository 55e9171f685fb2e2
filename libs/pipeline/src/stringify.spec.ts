import fc from 'fast-check';
import { FailureStrategy, Pipeline, Stage, Step } from './model';
import { parsePipelineYaml } from './parse';
import { stringifyPipelineYaml } from './stringify';
import { fixture, parseOk } from './test-support';

describe('stringifyPipelineYaml', () => {
  it('writes the mission example back in the source document shape, without filled-in defaults', () => {
    expect(stringifyPipelineYaml(parseOk(fixture('build-and-deploy.yaml')))).toBe(
      [
        'pipeline:',
        '  name: Build and Deploy',
        '  stages:',
        '    - name: Build',
        '      type: ci',
        '      spec:',
        '        codebase:',
        '          connector: account.github_connector',
        '          repo: my-org/my-app',
        '        steps:',
        '          - name: Build Image',
        '            type: run',
        '            spec:',
        '              shell: sh',
        '              command: |',
        '                docker build -t my-app:latest .',
        '    - name: Deploy',
        '      type: deploy',
        '      spec:',
        '        service: my_service',
        '        environment:',
        '          name: production',
        '          deploy-to: k8s_prod',
        '        connector: org.k8s_connector',
        '',
      ].join('\n'),
    );
  });

  it('writes durations, selectors, env and non-default strategies', () => {
    const yaml = stringifyPipelineYaml(parseOk(fixture('everything.yaml')));
    expect(yaml).toContain('  timeout: 2h\n');
    expect(yaml).toContain('      timeout: 1h30m\n');
    expect(yaml).toContain('    PORT: "8080"\n');
    expect(yaml).toContain(
      '      failureStrategy:\n        action: retry\n        retries: 2\n        on: transient\n',
    );
    expect(yaml).toContain('            failureStrategy:\n              action: ignore\n');
    // The deploy stage's explicit `abort` is the default, so it is not written.
    expect(yaml.match(/action: abort/g)).toBeNull();
  });

  it.each(['build-and-deploy.yaml', 'everything.yaml'])('round-trips %s', (name) => {
    const pipeline = parseOk(fixture(name));
    expect(parsePipelineYaml(stringifyPipelineYaml(pipeline))).toEqual({ ok: true, pipeline });
  });

  it('keeps an explicit timeout that differs from the inherited default', () => {
    const pipeline = parseOk(fixture('build-and-deploy.yaml'));
    const [build, deploy] = pipeline.stages;
    if (build.type !== 'ci') throw new Error('fixture changed: first stage should be ci');
    const changed: Pipeline = {
      ...pipeline,
      stages: [
        {
          ...build,
          timeoutMs: 300_000,
          spec: { ...build.spec, steps: [{ ...build.spec.steps[0], timeoutMs: 300_000 }] },
        },
        deploy,
      ],
    };
    const yaml = stringifyPipelineYaml(changed);
    // The stage's 5m is not its default (the pipeline's 1h); the step's 5m is (min of 10m and its stage's 5m).
    expect(yaml.match(/timeout: 5m/g)).toHaveLength(1);
    expect(parsePipelineYaml(yaml)).toEqual({ ok: true, pipeline: changed });
  });

  it('round-trips any valid pipeline', () => {
    fc.assert(
      fc.property(pipelineArbitrary, (pipeline) => {
        expect(parsePipelineYaml(stringifyPipelineYaml(pipeline))).toEqual({ ok: true, pipeline });
      }),
      { numRuns: 150 },
    );
  });
});

// Text that YAML must carry exactly: any printable characters, blanks at the ends, several lines.
const freeText = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((text) => !text.includes('<+'));
const name = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
  .map((text) => text.trim())
  .filter((text) => text !== '');
const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/);
const scopedRef = fc.tuple(fc.constantFrom('', 'org.', 'account.'), identifier).map(([scope, id]) => scope + id);
const secretExpression = scopedRef.map((ref) => `<+secrets.getValue("${ref}")>`);
const entityName = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}$/);
const selectors = fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9_.:/-]{0,12}$/), { maxLength: 3 });
const env = fc.dictionary(
  fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/).filter((key) => !key.startsWith('CONDUIT_')),
  fc.oneof(
    freeText,
    secretExpression,
    fc.tuple(freeText, secretExpression).map(([a, b]) => a + b),
  ),
  { maxKeys: 3 },
);
const timeoutMs = fc.oneof(fc.constantFrom(600_000, 3_600_000), fc.integer({ min: 1_000, max: 86_400_000 }));
const failureStrategy: fc.Arbitrary<FailureStrategy> = fc.oneof(
  fc.constant({ action: 'abort' as const }),
  fc.constant({ action: 'ignore' as const }),
  fc.record({
    action: fc.constant('retry' as const),
    retries: fc.integer({ min: 1, max: 10 }),
    on: fc.constantFrom('any' as const, 'transient' as const),
  }),
);
const command = fc
  .tuple(
    fc.array(
      fc.oneof(
        freeText,
        freeText.map((text) => `echo ${text}`),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    fc.option(secretExpression, { nil: undefined }),
    fc.boolean(),
  )
  .map(([lines, secret, trailingNewline]) => `${[...lines, secret ?? ''].join('\n')}${trailingNewline ? '\n' : ''}`)
  .filter((text) => text.trim() !== '');
const settings = { delegateSelectors: selectors, env, timeoutMs };
const uniqueByName = { selector: (item: { name: string }) => item.name.toLowerCase() };

const step: fc.Arbitrary<Step> = fc.record({
  name,
  type: fc.constant('run' as const),
  ...settings,
  failureStrategy,
  spec: fc.record({ shell: fc.constantFrom('sh' as const, 'bash' as const), command }),
});

const stage: fc.Arbitrary<Stage> = fc.oneof(
  fc.record({
    name,
    type: fc.constant('ci' as const),
    ...settings,
    failureStrategy,
    spec: fc.record(
      {
        codebase: fc.record({ connector: scopedRef, repo: fc.stringMatching(/^[a-z0-9-]{1,8}\/[a-z0-9.-]{1,8}$/) }),
        steps: fc.uniqueArray(step, { ...uniqueByName, minLength: 1, maxLength: 3 }),
      },
      { requiredKeys: ['steps'] },
    ),
  }),
  fc.record({
    name,
    type: fc.constant('deploy' as const),
    ...settings,
    failureStrategy,
    spec: fc.record({
      service: entityName,
      environment: fc.record({ name: entityName, deployTo: entityName }),
      connector: scopedRef,
    }),
  }),
);

const pipelineArbitrary: fc.Arbitrary<Pipeline> = fc.record(
  {
    name,
    identifier,
    ...settings,
    stages: fc.uniqueArray(stage, { ...uniqueByName, minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ['name', 'delegateSelectors', 'env', 'timeoutMs', 'stages'] },
);
