import { SecretExpressionError } from './expressions';
import { Pipeline } from './model';
import { collectConnectorRefs, collectSecretRefs } from './refs';
import { InvalidReferenceError } from './scoped-ref';
import { fixture, parseOk } from './test-support';

describe('collectConnectorRefs', () => {
  it('finds the mission example connectors with their paths and scopes', () => {
    expect(collectConnectorRefs(parseOk(fixture('build-and-deploy.yaml')))).toEqual([
      {
        path: 'stages[0].spec.codebase.connector',
        ref: 'account.github_connector',
        scope: 'account',
        identifier: 'github_connector',
      },
      { path: 'stages[1].spec.connector', ref: 'org.k8s_connector', scope: 'org', identifier: 'k8s_connector' },
    ]);
  });

  it('skips a ci stage without a codebase', () => {
    const pipeline = parseOk(fixture('everything.yaml'));
    const ciStage = pipeline.stages[0];
    if (ciStage.type !== 'ci') throw new Error('fixture changed: first stage should be ci');
    const withoutCodebase: Pipeline = {
      ...pipeline,
      stages: [{ ...ciStage, spec: { steps: ciStage.spec.steps } }, pipeline.stages[1]],
    };
    expect(collectConnectorRefs(withoutCodebase).map((use) => use.path)).toEqual(['stages[1].spec.connector']);
  });

  it('names the path of an invalid reference in a hand-built pipeline', () => {
    const pipeline = parseOk(fixture('build-and-deploy.yaml'));
    const deploy = pipeline.stages[1];
    if (deploy.type !== 'deploy') throw new Error('fixture changed: second stage should be deploy');
    const broken: Pipeline = { ...pipeline, stages: [{ ...deploy, spec: { ...deploy.spec, connector: 'project.x' } }] };
    expect(() => collectConnectorRefs(broken)).toThrow(InvalidReferenceError);
    expect(() => collectConnectorRefs(broken)).toThrow(
      /^stages\[0\]\.spec\.connector: 'project\.x' is not a valid reference/,
    );
  });
});

describe('collectSecretRefs', () => {
  it('finds every secret expression in env values and commands, one per occurrence', () => {
    expect(collectSecretRefs(parseOk(fixture('everything.yaml')))).toEqual([
      { path: 'stages[0].env.DB_PASSWORD', ref: 'org.db_password', scope: 'org', identifier: 'db_password' },
      {
        path: 'stages[0].spec.steps[0].env.API_TOKEN',
        ref: 'account.api_token',
        scope: 'account',
        identifier: 'api_token',
      },
      {
        path: 'stages[0].spec.steps[0].spec.command',
        ref: 'account.api_token',
        scope: 'account',
        identifier: 'api_token',
      },
    ]);
  });

  it('finds pipeline-level env secrets, and none in a pipeline without any', () => {
    const pipeline = parseOk(fixture('build-and-deploy.yaml'));
    expect(collectSecretRefs(pipeline)).toEqual([]);
    expect(collectSecretRefs({ ...pipeline, env: { PW: '<+secrets.getValue("pw")>' } })).toEqual([
      { path: 'env.PW', ref: 'pw', scope: 'project', identifier: 'pw' },
    ]);
  });

  it('names the path of a malformed expression in a hand-built pipeline', () => {
    const pipeline = parseOk(fixture('build-and-deploy.yaml'));
    expect(() => collectSecretRefs({ ...pipeline, env: { PW: '<+secrets.getValue(pw)>' } })).toThrow(
      SecretExpressionError,
    );
    expect(() => collectSecretRefs({ ...pipeline, env: { PW: '<+secrets.getValue(pw)>' } })).toThrow(
      /env\.PW: malformed/,
    );
  });
});
