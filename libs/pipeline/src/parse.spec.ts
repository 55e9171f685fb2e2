import { PipelineErrorCode } from './errors';
import { PIPELINE_LIMITS } from './limits';
import { Pipeline } from './model';
import { parsePipelineObject, parsePipelineYaml } from './parse';
import { fixture, parseErrors, parseOk, withStage, yamlLines } from './test-support';

const CI_STAGE = [
  '    - name: Build',
  '      type: ci',
  '      spec:',
  '        steps:',
  '          - name: Compile',
  '            type: run',
  '            spec:',
  '              command: make',
];

describe('parsePipelineYaml: the mission document example', () => {
  it('parses as written and is normalized with every default filled', () => {
    const expected: Pipeline = {
      name: 'Build and Deploy',
      delegateSelectors: [],
      env: {},
      timeoutMs: 3_600_000,
      stages: [
        {
          name: 'Build',
          type: 'ci',
          delegateSelectors: [],
          env: {},
          timeoutMs: 3_600_000,
          failureStrategy: { action: 'abort' },
          spec: {
            codebase: { connector: 'account.github_connector', repo: 'my-org/my-app' },
            steps: [
              {
                name: 'Build Image',
                type: 'run',
                delegateSelectors: [],
                env: {},
                timeoutMs: 600_000,
                failureStrategy: { action: 'abort' },
                spec: { shell: 'sh', command: 'docker build -t my-app:latest .\n' },
              },
            ],
          },
        },
        {
          name: 'Deploy',
          type: 'deploy',
          delegateSelectors: [],
          env: {},
          timeoutMs: 3_600_000,
          failureStrategy: { action: 'abort' },
          spec: {
            service: 'my_service',
            environment: { name: 'production', deployTo: 'k8s_prod' },
            connector: 'org.k8s_connector',
          },
        },
      ],
    };
    expect(parsePipelineYaml(fixture('build-and-deploy.yaml'))).toEqual({ ok: true, pipeline: expected });
  });
});

describe('parsePipelineYaml: normalization', () => {
  const pipeline = parseOk(fixture('everything.yaml'));
  const [build, deploy] = pipeline.stages;

  it('lower-cases and de-duplicates delegate selectors', () => {
    expect(pipeline.delegateSelectors).toEqual(['linux', 'eu-west']);
    expect(build.type === 'ci' && build.spec.steps[0].delegateSelectors).toEqual(['gpu']);
  });

  it('converts durations to milliseconds', () => {
    expect(pipeline.timeoutMs).toBe(2 * 3_600_000);
    expect(build.timeoutMs).toBe(90 * 60_000);
    expect(build.type === 'ci' && build.spec.steps[0].timeoutMs).toBe(30_000);
  });

  it('takes numbers and booleans in env as their text', () => {
    expect(pipeline.env).toEqual({ REGION: 'eu-west-1', PORT: '8080', VERBOSE: 'true' });
  });

  it('keeps secret expressions in env values and commands as written', () => {
    expect(build.env).toEqual({ DB_PASSWORD: '<+secrets.getValue("org.db_password")>' });
    expect(build.type === 'ci' && build.spec.steps[0].spec.command).toContain(
      'Bearer <+secrets.getValue("account.api_token")>',
    );
  });

  it('keeps explicit failure strategies and fills the rest', () => {
    expect(build.failureStrategy).toEqual({ action: 'retry', retries: 2, on: 'transient' });
    expect(build.type === 'ci' && build.spec.steps.map((step) => step.failureStrategy)).toEqual([
      { action: 'ignore' },
      { action: 'abort' },
    ]);
    expect(deploy.failureStrategy).toEqual({ action: 'abort' });
  });

  it('defaults shell to sh and renames deploy-to', () => {
    expect(build.type === 'ci' && build.spec.steps[1].spec.shell).toBe('sh');
    expect(deploy.type === 'deploy' && deploy.spec.environment).toEqual({ name: 'production', deployTo: 'k8s_prod' });
  });

  it('keeps the optional pipeline identifier', () => {
    expect(pipeline.identifier).toBe('release_pipeline');
    expect(parseOk(fixture('build-and-deploy.yaml'))).not.toHaveProperty('identifier');
  });
});

describe('parsePipelineYaml: timeout defaults', () => {
  it('gives the pipeline 1h, a stage its pipeline timeout, a step 10m', () => {
    const pipeline = parseOk(withStage(...CI_STAGE));
    expect(pipeline.timeoutMs).toBe(3_600_000);
    expect(pipeline.stages[0].timeoutMs).toBe(3_600_000);
    expect(pipeline.stages[0].type === 'ci' && pipeline.stages[0].spec.steps[0].timeoutMs).toBe(600_000);
  });

  it('lets a stage inherit a longer pipeline timeout', () => {
    const pipeline = parseOk(yamlLines('pipeline:', '  name: P', '  timeout: 3h', '  stages:', ...CI_STAGE));
    expect(pipeline.stages[0].timeoutMs).toBe(3 * 3_600_000);
  });

  it('caps a step default at a shorter stage timeout', () => {
    const [first, second, ...rest] = CI_STAGE;
    const pipeline = parseOk(withStage(first, second, '      timeout: 5m', ...rest));
    expect(pipeline.stages[0].type === 'ci' && pipeline.stages[0].spec.steps[0].timeoutMs).toBe(300_000);
  });
});

describe('parsePipelineYaml: failure strategy', () => {
  const withStrategy = (...lines: string[]) => withStage(...CI_STAGE.slice(0, 2), ...lines, ...CI_STAGE.slice(2));

  it('defaults to abort', () => {
    expect(parseOk(withStage(...CI_STAGE)).stages[0].failureStrategy).toEqual({ action: 'abort' });
  });

  it('retries on any failure unless told transient only', () => {
    const any = parseOk(withStrategy('      failureStrategy: {action: retry, retries: 3}'));
    expect(any.stages[0].failureStrategy).toEqual({ action: 'retry', retries: 3, on: 'any' });
    // `on` is a plain key in YAML 1.2, not the boolean it was in YAML 1.1.
    const transient = parseOk(withStrategy('      failureStrategy: {action: retry, retries: 1, on: transient}'));
    expect(transient.stages[0].failureStrategy).toEqual({ action: 'retry', retries: 1, on: 'transient' });
  });

  it.each([
    ['{action: retry, retries: 0}', 'retries', PipelineErrorCode.InvalidValue, 'retries must be at least 1'],
    ['{action: retry, retries: 11}', 'retries', PipelineErrorCode.InvalidValue, 'retries must be at most 10'],
    [
      '{action: retry, retries: 1.5}',
      'retries',
      PipelineErrorCode.InvalidType,
      'expected a whole number, got the number 1.5',
    ],
    ['{action: retry}', 'retries', PipelineErrorCode.Required, "'retries' is required"],
    ['{action: retry, retries: 2, on: always}', 'on', PipelineErrorCode.InvalidValue, "'always' is not allowed here"],
    [
      '{action: skip}',
      'action',
      PipelineErrorCode.UnknownType,
      "unknown failure action 'skip': use one of retry, ignore, abort",
    ],
    ['{retries: 2}', 'action', PipelineErrorCode.Required, 'failure action is required'],
    ['{action: ignore, retries: 2}', 'retries', PipelineErrorCode.UnknownField, "unknown field 'retries'"],
  ])('rejects %s', (strategy, field, code, message) => {
    const errors = parseErrors(withStrategy(`      failureStrategy: ${strategy}`));
    expect(errors).toEqual([
      { path: `stages[0].failureStrategy.${field}`, line: 6, code, message: expect.stringContaining(message) },
    ]);
  });
});

describe('parsePipelineYaml: each error kind names its path and line', () => {
  const stageWith = (specLines: string[]) =>
    withStage('    - name: Build', '      type: ci', '      spec:', '        steps:', ...specLines);
  const step = (...lines: string[]) => ['          - name: S', '            type: run', ...lines];

  it.each([
    {
      what: 'missing pipeline name',
      yaml: yamlLines('pipeline:', '  stages:', ...CI_STAGE),
      path: 'name',
      line: 1,
      code: PipelineErrorCode.Required,
      message: "'name' is required",
    },
    {
      what: 'unknown stage type, listing the allowed ones',
      yaml: withStage('    - name: Ship', '      type: cd', '      spec: {}'),
      path: 'stages[0].type',
      line: 5,
      code: PipelineErrorCode.UnknownType,
      message: "unknown stage type 'cd': use one of ci, deploy",
    },
    {
      what: 'missing stage type',
      yaml: withStage('    - name: Ship', '      spec: {}'),
      path: 'stages[0].type',
      line: 4,
      code: PipelineErrorCode.Required,
      message: 'stage type is required: use one of ci, deploy',
    },
    {
      what: 'unknown step type',
      yaml: stageWith(['          - name: S', '            type: script', '            spec: {command: x}']),
      path: 'stages[0].spec.steps[0].type',
      line: 9,
      code: PipelineErrorCode.UnknownType,
      message: "unknown step type 'script': use run",
    },
    {
      what: 'unsupported shell',
      yaml: stageWith(step('            spec: {shell: zsh, command: x}')),
      path: 'stages[0].spec.steps[0].spec.shell',
      line: 10,
      code: PipelineErrorCode.InvalidValue,
      message: "'zsh' is not allowed here: use sh or bash",
    },
    {
      what: 'blank command',
      yaml: stageWith(step('            spec:', '              command: "  "')),
      path: 'stages[0].spec.steps[0].spec.command',
      line: 11,
      code: PipelineErrorCode.InvalidValue,
      message: 'must not be empty',
    },
    {
      what: 'command that is not text',
      yaml: stageWith(step('            spec:', '              command: [make]')),
      path: 'stages[0].spec.steps[0].spec.command',
      line: 11,
      code: PipelineErrorCode.InvalidType,
      message: 'expected text, got a list',
    },
    {
      what: 'malformed secret expression on the third line of a | block',
      yaml: stageWith(
        step(
          '            spec:',
          '              command: |',
          '                echo start',
          '                echo "<+secrets.getValue(\'org.ok\')>"',
          '                export DB=<+secrets.getValue(db)>',
        ),
      ),
      path: 'stages[0].spec.steps[0].spec.command',
      line: 14,
      code: PipelineErrorCode.InvalidExpression,
      message:
        'malformed secret expression \'<+secrets.getValue(db)>\': the reference must be quoted, as in <+secrets.getValue("org.db_password")>',
    },
    {
      what: 'invalid codebase connector reference',
      yaml: withStage(
        '    - name: Build',
        '      type: ci',
        '      spec:',
        '        codebase: {connector: project.x, repo: a/b}',
        ...CI_STAGE.slice(3),
      ),
      path: 'stages[0].spec.codebase.connector',
      line: 7,
      code: PipelineErrorCode.InvalidReference,
      message: "'project.x' is not a valid reference: use 'account.x', 'org.x' or 'x'",
    },
    {
      what: 'missing deploy connector',
      yaml: withStage(
        '    - name: Ship',
        '      type: deploy',
        '      spec:',
        '        service: svc',
        '        environment: {name: prod, deploy-to: k8s}',
      ),
      path: 'stages[0].spec.connector',
      line: 6,
      code: PipelineErrorCode.Required,
      message: "'connector' is required",
    },
    {
      what: 'invalid infrastructure name',
      yaml: withStage(
        '    - name: Ship',
        '      type: deploy',
        '      spec:',
        '        service: svc',
        '        environment:',
        '          name: prod',
        '          deploy-to: k8s prod',
        '        connector: org.k8s',
      ),
      path: 'stages[0].spec.environment.deploy-to',
      line: 10,
      code: PipelineErrorCode.InvalidValue,
      message: "'k8s prod' is not a valid infrastructure name: use letters, digits and _ . - (at most 128)",
    },
    {
      what: 'unknown field, with a hint for the Harness spelling',
      yaml: yamlLines('pipeline:', '  name: P', '  variables: []', '  stages:', ...CI_STAGE),
      path: 'variables',
      line: 3,
      code: PipelineErrorCode.UnknownField,
      message: "unknown field 'variables': environment variables go in 'env', a mapping of NAME: value",
    },
    {
      what: 'unknown field, listing the allowed ones',
      yaml: withStage(...CI_STAGE.slice(0, 2), '      retry: 3', ...CI_STAGE.slice(2)),
      path: 'stages[0].retry',
      line: 6,
      code: PipelineErrorCode.UnknownField,
      message:
        "unknown field 'retry': allowed fields here are name, type, delegateSelectors, env, timeout, failureStrategy, spec",
    },
    {
      what: 'environment variable name',
      yaml: yamlLines('pipeline:', '  name: P', '  env:', '    1BAD: x', '  stages:', ...CI_STAGE),
      path: 'env["1BAD"]',
      line: 4,
      code: PipelineErrorCode.InvalidValue,
      message: 'environment variable names are a letter or _, then up to 127 letters, digits or _',
    },
    {
      what: 'reserved environment variable name',
      yaml: yamlLines('pipeline:', '  name: P', '  env:', '    CONDUIT_SECRET_1: x', '  stages:', ...CI_STAGE),
      path: 'env.CONDUIT_SECRET_1',
      line: 4,
      code: PipelineErrorCode.InvalidValue,
      message: 'names starting with CONDUIT_ are reserved for Conduit',
    },
    {
      what: 'environment value that is a mapping',
      yaml: withStage(...CI_STAGE.slice(0, 2), '      env:', '        FOO: {a: 1}', ...CI_STAGE.slice(2)),
      path: 'stages[0].env.FOO',
      line: 7,
      code: PipelineErrorCode.InvalidType,
      message: 'expected text, got a mapping',
    },
    {
      what: 'empty environment value',
      yaml: withStage(...CI_STAGE.slice(0, 2), '      env:', '        FOO:', ...CI_STAGE.slice(2)),
      path: 'stages[0].env.FOO',
      line: 7,
      code: PipelineErrorCode.InvalidType,
      message: 'expected text, got an empty value',
    },
    {
      what: 'secret expression naming an invalid reference',
      yaml: withStage(
        ...CI_STAGE.slice(0, 2),
        '      env:',
        '        PW: <+secrets.getValue("team.pw")>',
        ...CI_STAGE.slice(2),
      ),
      path: 'stages[0].env.PW',
      line: 7,
      code: PipelineErrorCode.InvalidExpression,
      message:
        "secret expression '<+secrets.getValue(\"team.pw\")>': 'team.pw' is not a valid reference: use 'account.x', 'org.x' or 'x'",
    },
    {
      what: 'delegate selectors that are not a list',
      yaml: yamlLines('pipeline:', '  name: P', '  delegateSelectors: linux', '  stages:', ...CI_STAGE),
      path: 'delegateSelectors',
      line: 3,
      code: PipelineErrorCode.InvalidType,
      message: 'expected a list, got text',
    },
    {
      what: 'a delegate selector with a blank in it',
      yaml: yamlLines('pipeline:', '  name: P', '  delegateSelectors: [ok, "not ok"]', '  stages:', ...CI_STAGE),
      path: 'delegateSelectors[1]',
      line: 3,
      code: PipelineErrorCode.InvalidValue,
      message: 'tags are letters, digits and _ . : / -',
    },
    {
      what: 'invalid pipeline identifier',
      yaml: yamlLines('pipeline:', '  name: P', '  identifier: my-pipeline', '  stages:', ...CI_STAGE),
      path: 'identifier',
      line: 3,
      code: PipelineErrorCode.InvalidValue,
      message: "'my-pipeline' is not an identifier: a letter or _, then up to 127 letters, digits or _",
    },
    {
      what: 'a pipeline without stages',
      yaml: yamlLines('pipeline:', '  name: P', '  stages: []'),
      path: 'stages',
      line: 3,
      code: PipelineErrorCode.InvalidValue,
      message: 'a pipeline needs at least one stage',
    },
    {
      what: 'a ci stage without steps',
      yaml: withStage('    - name: Build', '      type: ci', '      spec:', '        steps: []'),
      path: 'stages[0].spec.steps',
      line: 7,
      code: PipelineErrorCode.InvalidValue,
      message: 'a ci stage needs at least one step',
    },
    {
      what: 'a stage that is not a mapping',
      yaml: withStage('    - Build'),
      path: 'stages[0]',
      line: 4,
      code: PipelineErrorCode.InvalidType,
      message: 'expected a mapping, got text',
    },
    {
      what: 'an expression outside env values and commands',
      yaml: withStage(
        '    - name: Build',
        '      type: ci',
        '      spec:',
        '        codebase: {connector: x, repo: "<+input>"}',
        ...CI_STAGE.slice(3),
      ),
      path: 'stages[0].spec.codebase.repo',
      line: 7,
      code: PipelineErrorCode.InvalidValue,
      message: 'expressions are evaluated only in env values and step commands',
    },
  ])('$what', ({ yaml, path, line, code, message }) => {
    expect(parseErrors(yaml)).toEqual([{ path, line, code, message }]);
  });
});

describe('parsePipelineYaml: durations', () => {
  const withTimeout = (timeout: string) =>
    yamlLines('pipeline:', '  name: P', `  timeout: ${timeout}`, '  stages:', ...CI_STAGE);

  it.each([
    ['10m', 600_000],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['"1h 30m"', 5_400_000],
    ['1s', 1_000],
    ['24h', 86_400_000],
    ['1d', 86_400_000],
    ['1m30s500ms', 90_500],
  ])('reads %s as %d ms', (timeout, ms) => {
    expect(parseOk(withTimeout(timeout)).timeoutMs).toBe(ms);
  });

  it.each([
    ['10', "a duration needs a unit: write '10s' or '10m', for example"],
    ['10x', "'10x' is not a duration"],
    ['m10', "'m10' is not a duration"],
    ['30m1h', "'30m1h' is not a duration"],
    ['""', "'' is not a duration"],
    ['500ms', "timeout '500ms' is shorter than the minimum of 1s"],
    ['0s', "timeout '0s' is shorter than the minimum of 1s"],
    ['24h1s', "timeout '24h1s' is longer than the maximum of 1d"],
    ['99999999999999999999h', 'is longer than the maximum of 1d'],
    ['[10m]', "expected a duration such as '10m', got a list"],
  ])('rejects %s', (timeout, message) => {
    expect(parseErrors(withTimeout(timeout))).toEqual([
      { path: 'timeout', line: 3, code: PipelineErrorCode.InvalidDuration, message: expect.stringContaining(message) },
    ]);
  });
});

describe('parsePipelineYaml: names', () => {
  it('rejects a stage name used twice, ignoring case and blanks', () => {
    const yaml = withStage(...CI_STAGE, '    - name: " build"', ...CI_STAGE.slice(1));
    expect(parseErrors(yaml)).toEqual([
      {
        path: 'stages[1].name',
        line: 12,
        code: PipelineErrorCode.DuplicateName,
        message: "stage name 'build' is already used by stages[0]",
      },
    ]);
  });

  it('rejects a step name used twice in one stage, and allows it in another', () => {
    const twoSteps = [...CI_STAGE, ...CI_STAGE.slice(4)];
    expect(parseErrors(withStage(...twoSteps))).toEqual([
      {
        path: 'stages[0].spec.steps[1].name',
        line: 12,
        code: PipelineErrorCode.DuplicateName,
        message: "step name 'Compile' is already used by stages[0].spec.steps[0]",
      },
    ]);
    const otherStage = ['    - name: Test', ...CI_STAGE.slice(1)];
    expect(parseOk(withStage(...CI_STAGE, ...otherStage)).stages).toHaveLength(2);
  });
});

describe('parsePipelineYaml: all errors at once', () => {
  it('reports every problem in one pass, in line order', () => {
    const yaml = yamlLines(
      'pipeline:',
      '  name: ""',
      '  timeout: 10',
      '  stages:',
      '    - name: Build',
      '      type: ci',
      '      spec:',
      '        codebase: {connector: "org.my-github", repo: my-org/app}',
      '        steps:',
      '          - name: Test',
      '            type: run',
      '            spec: {shell: fish, command: "echo <+secrets.getValue(\'x\'"}',
      '          - name: test',
      '            type: run',
      '            spec: {command: ok}',
      '    - name: Ship',
      '      type: deploy',
      '      spec:',
      '        service: svc',
      '        environment: {name: prod}',
      '        connector: project.k8s',
      '    - name: Later',
      '      type: cd',
      'extra: true',
    );
    expect(parseErrors(yaml).map(({ path, line, code }) => ({ path, line, code }))).toEqual([
      { path: 'name', line: 2, code: PipelineErrorCode.InvalidValue },
      { path: 'timeout', line: 3, code: PipelineErrorCode.InvalidDuration },
      { path: 'stages[0].spec.codebase.connector', line: 8, code: PipelineErrorCode.InvalidReference },
      { path: 'stages[0].spec.steps[0].spec.shell', line: 12, code: PipelineErrorCode.InvalidValue },
      { path: 'stages[0].spec.steps[0].spec.command', line: 12, code: PipelineErrorCode.InvalidExpression },
      { path: 'stages[0].spec.steps[1].name', line: 13, code: PipelineErrorCode.DuplicateName },
      { path: 'stages[1].spec.environment.deploy-to', line: 20, code: PipelineErrorCode.Required },
      { path: 'stages[1].spec.connector', line: 21, code: PipelineErrorCode.InvalidReference },
      { path: 'stages[2].type', line: 23, code: PipelineErrorCode.UnknownType },
      { path: '', line: 24, code: PipelineErrorCode.UnknownField },
    ]);
  });

  it('caps the list and says how many more there were', () => {
    const steps = Array.from({ length: 60 }, (_, i) => [
      `          - name: s${i}`,
      '            type: run',
      '            spec: {shell: zsh, command: ""}',
    ]).flat();
    const errors = parseErrors(
      withStage('    - name: Build', '      type: ci', '      spec:', '        steps:', ...steps),
    );
    expect(errors).toHaveLength(PIPELINE_LIMITS.maxReportedErrors);
    expect(errors[errors.length - 1]).toEqual({
      path: '',
      code: PipelineErrorCode.TooManyErrors,
      message: '21 more errors not shown',
    });
  });
});

describe('parsePipelineYaml: the document as a whole', () => {
  it.each([
    ['a list', '- pipeline: {}\n', "the document root is a list; expected a mapping with a 'pipeline' key"],
    ['a scalar', 'hello\n', "the document root is a single value; expected a mapping with a 'pipeline' key"],
    ['empty', '# nothing here\n', "the document is empty; expected a mapping with a 'pipeline' key"],
  ])('rejects a root that is %s', (_what, yaml, message) => {
    expect(parseErrors(yaml)).toEqual([{ path: '', line: 1, code: PipelineErrorCode.InvalidRoot, message }]);
  });

  it('rejects a document without the pipeline key, or with pipeline not a mapping', () => {
    expect(parseErrors('name: P\n')).toEqual([
      { path: '', line: 1, code: PipelineErrorCode.Required, message: "'pipeline' is required" },
      {
        path: '',
        line: 1,
        code: PipelineErrorCode.UnknownField,
        message: "top level: unknown field 'name': allowed fields here are pipeline",
      },
    ]);
    expect(parseErrors('pipeline:\n  - a\n')).toEqual([
      { path: '', line: 1, code: PipelineErrorCode.InvalidType, message: 'expected a mapping, got a list' },
    ]);
  });

  it('reports YAML syntax errors with their line and does not validate further', () => {
    // `timeout: 10` would be a schema error; it is not reported because validation never starts.
    const yaml = yamlLines(
      'pipeline:',
      '  name: P',
      '  timeout: 10',
      '  stages:',
      '    - name: Build',
      '     type: ci',
    );
    expect(parseErrors(yaml)).toEqual([
      {
        path: '',
        line: 6,
        code: PipelineErrorCode.YamlSyntax,
        message: 'YAML syntax error: Sequence item without - indicator',
      },
    ]);
  });

  it('reports duplicate keys as syntax errors', () => {
    expect(parseErrors(yamlLines('pipeline:', '  name: P', '  name: Q'))).toEqual([
      { path: '', line: 3, code: PipelineErrorCode.YamlSyntax, message: 'YAML syntax error: Map keys must be unique' },
    ]);
  });

  it('rejects several documents in one text', () => {
    const [error] = parseErrors('pipeline: {}\n---\npipeline: {}\n');
    expect(error).toMatchObject({ code: PipelineErrorCode.YamlSyntax, line: 2 });
  });

  it('rejects an alias to an anchor that does not exist', () => {
    expect(parseErrors('pipeline: *nowhere\n')).toEqual([
      {
        path: '',
        code: PipelineErrorCode.YamlSyntax,
        message: expect.stringContaining('Unresolved alias'),
      },
    ]);
  });

  it('rejects an alias bomb instead of expanding it', () => {
    const bomb = yamlLines(
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'pipeline: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
    );
    expect(parseErrors(bomb)).toEqual([
      { path: '', code: PipelineErrorCode.YamlSyntax, message: expect.stringContaining('resource exhaustion') },
    ]);
  });

  it('rejects a document over 256 KiB before parsing it', () => {
    const padding = `# ${'x'.repeat(PIPELINE_LIMITS.maxDocumentBytes)}\n`;
    expect(parseErrors(padding + fixture('build-and-deploy.yaml'))).toEqual([
      {
        path: '',
        code: PipelineErrorCode.DocumentTooLarge,
        message: `the document is ${padding.length + Buffer.byteLength(fixture('build-and-deploy.yaml'))} bytes; the limit is 262144 bytes (256 KiB)`,
      },
    ]);
  });

  it('counts bytes, not characters', () => {
    const nearLimit = `# ${'é'.repeat(PIPELINE_LIMITS.maxDocumentBytes / 2)}\n`;
    expect(parseErrors(nearLimit)[0].code).toBe(PipelineErrorCode.DocumentTooLarge);
  });
});

describe('parsePipelineYaml: size limits', () => {
  const stage = (name: string, steps: number) => [
    `    - name: ${name}`,
    '      type: ci',
    '      spec:',
    '        steps:',
    ...Array.from({ length: steps }, (_, i) => `          - {name: s${i}, type: run, spec: {command: make}}`),
  ];

  it(`accepts ${PIPELINE_LIMITS.maxStages} stages and rejects one more`, () => {
    const stages = (count: number) => Array.from({ length: count }, (_, i) => stage(`st${i}`, 1)).flat();
    expect(parseOk(withStage(...stages(PIPELINE_LIMITS.maxStages))).stages).toHaveLength(PIPELINE_LIMITS.maxStages);
    expect(parseErrors(withStage(...stages(PIPELINE_LIMITS.maxStages + 1)))).toEqual([
      {
        path: 'stages',
        line: 3,
        code: PipelineErrorCode.LimitExceeded,
        message: 'too many: 51 stages; the limit is 50',
      },
    ]);
  });

  it(`rejects more than ${PIPELINE_LIMITS.maxStepsPerStage} steps in a stage`, () => {
    expect(parseErrors(withStage(...stage('big', PIPELINE_LIMITS.maxStepsPerStage + 1)))).toEqual([
      {
        path: 'stages[0].spec.steps',
        line: 7,
        code: PipelineErrorCode.LimitExceeded,
        message: 'too many: 101 steps in one stage; the limit is 100',
      },
    ]);
  });

  it(`rejects more than ${PIPELINE_LIMITS.maxStepsTotal} steps in the pipeline`, () => {
    const stages = Array.from({ length: 6 }, (_, i) => stage(`st${i}`, 100)).flat();
    expect(parseErrors(withStage(...stages))).toEqual([
      {
        path: 'stages',
        line: 3,
        code: PipelineErrorCode.LimitExceeded,
        message: 'too many: 600 steps in the pipeline; the limit is 500',
      },
    ]);
  });

  it('rejects more selectors or env variables than a level may have', () => {
    const selectors = Array.from({ length: PIPELINE_LIMITS.maxSelectors + 1 }, (_, i) => `t${i}`).join(', ');
    const env = Array.from({ length: PIPELINE_LIMITS.maxEnvVars + 1 }, (_, i) => `    V${i}: x`);
    const yaml = yamlLines(
      'pipeline:',
      '  name: P',
      `  delegateSelectors: [${selectors}]`,
      '  env:',
      ...env,
      '  stages:',
      ...CI_STAGE,
    );
    expect(parseErrors(yaml)).toEqual([
      {
        path: 'delegateSelectors',
        line: 3,
        code: PipelineErrorCode.InvalidValue,
        message: 'at most 32 delegate selectors',
      },
      {
        path: 'env',
        line: 4,
        code: PipelineErrorCode.InvalidValue,
        message: 'at most 100 environment variables per level',
      },
    ]);
  });
});

describe('parsePipelineObject', () => {
  it('applies the same rules to plain data, without lines', () => {
    const result = parsePipelineObject({ pipeline: { name: 'P', stages: [{ name: 'D', type: 'deploy', spec: {} }] } });
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'stages[0].spec.service', code: PipelineErrorCode.Required, message: "'service' is required" },
        { path: 'stages[0].spec.environment', code: PipelineErrorCode.Required, message: "'environment' is required" },
        { path: 'stages[0].spec.connector', code: PipelineErrorCode.Required, message: "'connector' is required" },
      ],
    });
  });
});
