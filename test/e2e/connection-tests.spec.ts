import { startNginxMtls, startPrometheus, type NginxMtlsPeer, type PrometheusPeer } from '../peers';
import { CanaryScan } from '../support/canary-scan';
import type { RunningProcess } from '../support/processes';
import { startStack, type Stack } from '../support/stack';


/**
 * "Test connection" end to end: the control plane and a delegate as processes; the peers are real
 * (Prometheus with basic auth, nginx requiring client certificates). Secrets are sealed to the delegate's
 * group key by the control plane and opened only on the delegate.
 */
describe('connection tests through a real delegate against real peers', () => {
  const canary = `canary-pw-${Date.now()}`;
  let stack: Stack;
  let prometheus: PrometheusPeer;
  let nginx: NginxMtlsPeer;
  let api: Stack['api'];
  let delegate: RunningProcess;
  const secret = (identifier: string, value: string) => api('POST', '/v1/secrets', { identifier, name: identifier, kind: 'text', value: { value } });

  beforeAll(async () => {
    [prometheus, nginx] = await Promise.all([startPrometheus({ basicAuth: true, waitFor: 'ready' }), startNginxMtls()]);
    stack = await startStack({ name: 'tests', delegateEnv: { DELEGATE_TAGS: 'private-net' } });
    ({ api, delegate } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
    await Promise.all([prometheus?.stop(), nginx?.stop()]);
  });

  it('turns a connector Active when its test succeeds, recording stages, latency and the delegate', async () => {
    expect((await secret('prom_pw', prometheus.basicAuth?.password as string)).status).toBe(201);
    const created = await api('POST', '/v1/connectors', {
      identifier: 'prom',
      name: 'Prometheus',
      type: 'Prometheus',
      spec: { url: prometheus.url, username: prometheus.basicAuth?.username, passwordRef: 'prom_pw', delegateSelectors: ['private-net'] },
    });
    expect(created.body).toMatchObject({ status: 'UNCONFIGURED', lastTestedAt: null });

    const result = await api('POST', '/v1/connectors/prom/test?wait=true');
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: 'SUCCESS', stage: null, errors: [], delegate: 'inside', taskId: expect.any(String), latencyMs: expect.any(Number) });
    const connector = (await api('GET', '/v1/connectors/prom')).body;
    expect(connector).toMatchObject({ status: 'ACTIVE', errorSummary: null, lastTestedAt: expect.any(String), lastConnectedAt: expect.any(String) });

    const events = (await api('GET', `/v1/tasks/${result.body['taskId']}/events`)).body['items'] as Array<{ type: string; stage: string; status: string }>;
    const stages = events.filter((e) => e.type === 'progress' && e.status === 'succeeded').map((e) => e.stage);
    expect(stages).toEqual(expect.arrayContaining(['validation', 'authentication', 'connection', 'operation']));
  });

  it('turns it Failed with the stage and a message a person can act on when the password is wrong', async () => {
    expect((await api('PUT', '/v1/secrets/prom_pw/value', { version: 2, value: { value: canary } })).status).toBe(200);
    const result = await api('POST', '/v1/connectors/prom/test?wait=true');
    expect(result.body).toMatchObject({ status: 'FAILURE', stage: 'authentication', errors: [{ code: 'AUTHENTICATION_FAILED' }] });
    expect(result.body['message']).toMatch(/^authentication failed: the credentials rejected by http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query \(401\)$/);
    const connector = (await api('GET', '/v1/connectors/prom')).body;
    expect(connector).toMatchObject({ status: 'FAILED', errorSummary: result.body['message'] });

    const history = (await api('GET', '/v1/connectors/prom/checks')).body['items'] as Array<{ status: string; previousStatus: string }>;
    expect(history.map((h) => [h.previousStatus, h.status])).toEqual([
      ['ACTIVE', 'FAILURE'],
      ['UNCONFIGURED', 'SUCCESS'],
    ]);
    const audit = (await api('GET', '/v1/audit-events?action=connector.test')).body['items'] as unknown[];
    expect(audit).toHaveLength(2);
  });

  it('renders a secret expression inside a plain field on the delegate, masked everywhere', async () => {
    const basic = Buffer.from(`${prometheus.basicAuth?.username}:${prometheus.basicAuth?.password}`).toString('base64');
    expect((await secret('prom_basic', basic)).status).toBe(201);
    await api('POST', '/v1/connectors', {
      identifier: 'prom_expr',
      name: 'Prometheus through a header expression',
      type: 'Prometheus',
      spec: { url: prometheus.url, headers: [{ key: 'Authorization', value: 'Basic <+secrets.getValue("prom_basic")>' }] },
    });
    expect((await api('POST', '/v1/connectors/prom_expr/test?wait=true')).body).toMatchObject({ status: 'SUCCESS' });
    expect(delegate.output).not.toContain(basic);
  });

  it('uses a client certificate from secrets for mTLS, and fails clearly without one', async () => {
    await secret('client_cert', nginx.clientCert);
    await secret('client_key', nginx.clientKey);
    await secret('nginx_ca', nginx.caCert);
    await api('POST', '/v1/connectors', {
      identifier: 'mtls',
      name: 'nginx with client certs',
      type: 'Http',
      spec: { url: `${nginx.url}/whoami`, auth: { type: 'ClientCertificate', spec: { clientCertRef: 'client_cert', clientKeyRef: 'client_key', caCertRef: 'nginx_ca' } }, expectedBodyContains: 'conduit-delegate' },
    });
    expect((await api('POST', '/v1/connectors/mtls/test?wait=true')).body).toMatchObject({ status: 'SUCCESS' });

    await api('POST', '/v1/connectors', { identifier: 'no_cert', name: 'no cert', type: 'Http', spec: { url: `${nginx.url}/healthz` } });
    const untrusted = await api('POST', '/v1/connectors/no_cert/test?wait=true');
    expect(untrusted.body).toMatchObject({ status: 'FAILURE', stage: 'connection', errors: [{ code: 'TLS_VERIFICATION_FAILED' }] });
  });

  it('fails validation before running anything when a secret is missing', async () => {
    await api('POST', '/v1/connectors', { identifier: 'orphan', name: 'orphan', type: 'Prometheus', spec: { url: prometheus.url, username: 'u', passwordRef: 'nowhere' } });
    const result = await api('POST', '/v1/connectors/orphan/test?wait=true');
    expect(result.body).toMatchObject({ status: 'FAILURE', stage: 'validation', taskId: null, errors: [{ code: 'SECRET_NOT_FOUND' }] });
    expect(result.body['message']).toContain("secret 'nowhere' not found in account 'default'");
  });

  it('never lets a secret value out: not in API answers, task events, nor either process’s log', async () => {
    const scan = new CanaryScan({ canary, prometheusPassword: prometheus.basicAuth?.password as string });
    scan.stack(stack);
    expect(scan.findings).toEqual([]);
  });
});
