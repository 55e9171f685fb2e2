import { href, parseRoute } from './routes';

describe('parseRoute', () => {
  it('reads every page back from the links the console makes', () => {
    const id = '0b7c4a8e-1f2d-4c3b-9a8e-7d6c5b4a3f21';
    expect(parseRoute(href.connectors())).toEqual({ page: 'connectors' });
    expect(parseRoute(href.newConnector())).toEqual({ page: 'connector-new' });
    expect(parseRoute(href.connector('org.prom'))).toEqual({ page: 'connector', ref: 'org.prom' });
    expect(parseRoute(href.editConnector('account.gh'))).toEqual({ page: 'connector-edit', ref: 'account.gh' });
    expect(parseRoute(href.delegates())).toEqual({ page: 'delegates' });
    expect(parseRoute(href.secrets())).toEqual({ page: 'secrets' });
    expect(parseRoute(href.pipeline('build'))).toEqual({ page: 'pipeline', id: 'build' });
    expect(parseRoute(href.execution('build', id))).toEqual({ page: 'execution', pipeline: 'build', id });
    expect(parseRoute('#/login')).toEqual({ page: 'login' });
  });

  it('falls back to a list for anything it does not know, instead of passing junk to the API', () => {
    expect(parseRoute('')).toEqual({ page: 'connectors' });
    expect(parseRoute('#/connectors/..%2Fv1%2Fsecrets')).toEqual({ page: 'connectors' });
    expect(parseRoute('#/pipelines/build/executions/not-a-uuid')).toEqual({ page: 'pipelines' });
    expect(parseRoute('#/whatever/else')).toEqual({ page: 'connectors' });
  });
});
