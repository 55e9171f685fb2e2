import { ApiClient } from '../testing/api-client';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';
import { AlertFirings } from './alert-firings';

type Json = Record<string, unknown>;

const P = '?org=default&project=default';

const rule = (identifier: string, overrides: Json = {}) => ({
  identifier,
  name: `Rule ${identifier}`,
  condition: { type: 'ConnectorStatusChange', toStatus: ['FAILED'] },
  notify: ['org.hook'],
  ...overrides,
});

describe('alert rules API and firings (real PostgreSQL; no delegate, so notification tasks stay queued)', () => {
  let cp: TestControlPlane;
  let api: ApiClient;
  let viewer: ApiClient;
  let developer: ApiClient;

  const client = async (name: string, role: string) => {
    const principal = await api.post<{ id: string }>('/v1/principals', { name, kind: 'user' });
    expect((await api.post('/v1/role-bindings', { principalId: principal.body.id, role })).status).toBe(201);
    return new ApiClient(cp.url, (await api.post<{ apiKey: string }>(`/v1/principals/${principal.body.id}/api-keys`, { name: 'test' })).body.apiKey);
  };

  beforeAll(async () => {
    cp = await startTestControlPlane();
    api = new ApiClient(cp.url, cp.adminApiKey);
    const connectors: Array<[string, Json]> = [
      ['?org=default', { identifier: 'hook', name: 'Webhook', type: 'Http', spec: { url: 'http://127.0.0.1:9/alerts', method: 'POST' } }],
      [P, { identifier: 'slack', name: 'Slack', type: 'Slack', spec: { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'account.slack_url' } } } }],
      [P, { identifier: 'slack_bot', name: 'Slack bot', type: 'Slack', spec: { auth: { type: 'BotToken', spec: { tokenRef: 'account.slack_bot' } } } }],
      [P, { identifier: 'pd_rest', name: 'PagerDuty REST', type: 'PagerDuty', spec: { apiTokenRef: 'account.pd_token' } }],
      [P, { identifier: 'prom', name: 'Prometheus', type: 'Prometheus', spec: { url: 'http://127.0.0.1:9/' } }],
      [P, { identifier: 'watched', name: 'Watched', type: 'Http', spec: { url: 'http://127.0.0.1:9/health' } }],
    ];
    for (const [scope, body] of connectors) expect((await api.post(`/v1/connectors${scope}`, body)).status).toBe(201);
    viewer = await client('rules_viewer', 'viewer');
    developer = await client('rules_dev', 'developer');
  });
  afterAll(() => cp?.close());

  it('creates a rule naming notification connectors by scoped reference, and reads it back with its defaults', async () => {
    const created = await api.post(`/v1/alert-rules${P}`, rule('connector_down', { notify: ['org.hook', 'slack'] }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      identifier: 'connector_down',
      enabled: true,
      condition: { type: 'ConnectorStatusChange', connectors: [], toStatus: ['FAILED'] },
      notify: ['org.hook', 'slack'],
      cooldown: '15m',
      scope: { level: 'project', org: 'default', project: 'default' },
      version: 1,
    });
    expect((await api.get(`/v1/alert-rules/connector_down${P}`)).body).toMatchObject({ identifier: 'connector_down', createdBy: 'admin' });
    expect((await api.get<{ items: Json[] }>(`/v1/alert-rules${P}`)).body.items.map((r) => r['identifier'])).toEqual(['connector_down']);
    // Scoped like everything else: the organization does not see the project's rule.
    expect((await api.get<{ items: Json[] }>('/v1/alert-rules?org=default')).body.items).toEqual([]);
    const [audit] = (await cp.dataSource.query(`SELECT actor_name, action, resource_ref FROM audit_events WHERE resource_type = 'alert-rule'`)) as Json[];
    expect(audit).toEqual({ actor_name: 'admin', action: 'alert-rule.create', resource_ref: 'connector_down' });
  });

  it('reports every unusable connector at once, naming the field: missing, not a notification type, or unable to send', async () => {
    const answer = await api.post(
      `/v1/alert-rules${P}`,
      rule('bad_targets', { notify: ['nope', 'prom', 'slack_bot', 'pd_rest', 'account.hook'], condition: { type: 'ConnectorStatusChange', connectors: ['gone'] } }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body['details']).toEqual([
      { path: 'notify[0]', message: "notify[0]: connector 'nope' not found in project 'default/default'" },
      { path: 'notify[1]', message: "notify[1]: connector 'prom' is a Prometheus connector, which cannot send notifications (use Slack, MsTeams, PagerDuty, Http)" },
      { path: 'notify[2]', message: "notify[2]: connector 'slack_bot' is a Slack bot connector without spec.defaultChannel, so an alert has nowhere to go" },
      { path: 'notify[3]', message: "notify[3]: connector 'pd_rest' has no spec.routingKeyRef (an Events API v2 integration key), which raising an alert needs" },
      { path: 'notify[4]', message: "notify[4]: connector 'account.hook' not found in account 'default'" },
      { path: 'condition.connectors[0]', message: "condition.connectors[0]: connector 'gone' not found in project 'default/default'" },
    ]);
    expect((await api.get(`/v1/alert-rules/bad_targets${P}`)).status).toBe(404);
  });

  it.each([
    ['an unknown condition type', { condition: { type: 'Sometimes' } }, 'condition.type'],
    ['a duration that is not one', { condition: { type: 'DelegateDisconnected', for: 'soon' } }, 'condition.for'],
    ['a too-short absence', { condition: { type: 'DelegateDisconnected', for: '10ms' } }, 'condition.for'],
    ['a bad cooldown', { cooldown: '5 minutes' }, 'cooldown'],
    ['no connector to notify', { notify: [] }, 'notify'],
    ['a malformed reference', { notify: ['org.'] }, 'notify.0'],
    ['an unknown field', { severity: 'high' }, '(body)'],
    ['a status that does not exist', { condition: { type: 'ConnectorStatusChange', toStatus: ['DOWN'] } }, 'condition.toStatus.0'],
  ])('refuses %s with a 400 naming the field', async (_what, overrides, field) => {
    const answer = await api.post(`/v1/alert-rules${P}`, rule('invalid', overrides));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((answer.body['details'] as Array<{ path: string }>).map((d) => d.path)).toContain(field);
  });

  it('updates under optimistic locking, keeps the identifier, and refuses duplicates', async () => {
    expect((await api.post(`/v1/alert-rules${P}`, rule('connector_down'))).status).toBe(409);
    const updated = await api.put(`/v1/alert-rules/connector_down${P}`, { ...rule('connector_down', { cooldown: '1h', enabled: false }), version: 1 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ cooldown: '1h', enabled: false, version: 2, notify: ['org.hook'] });
    expect((await api.put(`/v1/alert-rules/connector_down${P}`, { ...rule('connector_down'), version: 1 })).body).toMatchObject({ code: 'STALE_VERSION' });
    expect((await api.put(`/v1/alert-rules/connector_down${P}`, { ...rule('renamed'), version: 2 })).status).toBe(400);
    const [audit] = (await cp.dataSource.query(`SELECT changes FROM audit_events WHERE action = 'alert-rule.update'`)) as Array<{ changes: Array<{ path: string }> }>;
    expect(audit?.changes.map((c) => c.path).sort()).toEqual(['cooldownMs', 'enabled', 'notify']);
  });

  it('lets viewers read rules and only admins change them', async () => {
    expect((await viewer.get(`/v1/alert-rules${P}`)).status).toBe(200);
    expect((await viewer.get(`/v1/alert-rules/connector_down/firings${P}`)).status).toBe(200);
    for (const who of [viewer, developer]) {
      const refused = await who.post(`/v1/alert-rules${P}`, rule('by_someone'));
      expect(refused.status).toBe(403);
      expect(refused.body['message']).toContain('lacks alert:edit');
      expect((await who.delete(`/v1/alert-rules/connector_down${P}`)).status).toBe(403);
    }
  });

  it('fires once per status change even when two evaluators race, and holds back repeats inside the cooldown', async () => {
    expect((await api.post(`/v1/alert-rules${P}`, rule('flapping', { condition: { type: 'ConnectorStatusChange', connectors: ['watched'] }, cooldown: '1h' }))).status).toBe(201);
    expect((await api.post(`/v1/alert-rules${P}`, rule('other_connector', { condition: { type: 'ConnectorStatusChange', connectors: ['slack'] } }))).status).toBe(201);
    const [watched] = (await cp.dataSource.query(`SELECT id FROM connectors WHERE identifier = 'watched'`)) as Array<{ id: string }>;
    const firings = cp.app.get(AlertFirings);
    const change = (checkId: string, to: string) => ({ connectorId: watched?.id as string, from: to === 'FAILED' ? 'ACTIVE' : 'FAILED', to, message: 'connection refused', checkId });
    // Two replicas seeing the same change: one firing.
    await Promise.all([firings.onConnectorStatusChanged(change('c1', 'FAILED')), firings.onConnectorStatusChanged(change('c1', 'FAILED'))]);
    // The connector flaps: each change is its own occurrence, but the cooldown holds the notifications back.
    for (const [i, to] of ['ACTIVE', 'FAILED', 'ACTIVE'].entries()) await firings.onConnectorStatusChanged(change(`c${i + 2}`, to));

    const listed = await api.get<{ items: Array<{ status: string; event: Json; notifications: Json[] }> }>(`/v1/alert-rules/flapping/firings${P}`);
    expect(listed.body.items.map((f) => f.status)).toEqual(['suppressed', 'suppressed', 'suppressed', 'sent']);
    const sent = listed.body.items[3];
    expect(sent?.event).toMatchObject({ title: 'Connector watched is FAILED', facts: { connector: 'watched', type: 'Http', from: 'ACTIVE', to: 'FAILED' } });
    expect(sent?.notifications).toEqual([{ connector: 'org.hook', taskId: expect.any(String), taskStatus: 'queued', error: null }]);
    const [task] = (await cp.dataSource.query(`SELECT kind, mutating, payload FROM tasks WHERE id = $1`, [sent?.notifications[0]?.['taskId']])) as Array<{ kind: string; mutating: boolean; payload: Json }>;
    expect(task).toMatchObject({ kind: 'notification.send', mutating: true, payload: { type: 'Http', message: { severity: 'error', facts: { rule: 'flapping' } } } });
    // The disabled rule and the rule about another connector stayed quiet.
    expect((await api.get<{ items: Json[] }>(`/v1/alert-rules/connector_down/firings${P}`)).body.items).toEqual([]);
    expect((await api.get<{ items: Json[] }>(`/v1/alert-rules/other_connector/firings${P}`)).body.items).toEqual([]);
  });

  it('records a notification it could not send (the connector’s secret is missing) on the firing', async () => {
    expect((await api.post(`/v1/alert-rules${P}`, rule('to_slack', { notify: ['slack'], condition: { type: 'ConnectorStatusChange', connectors: ['watched'] } }))).status).toBe(201);
    const [watched] = (await cp.dataSource.query(`SELECT id FROM connectors WHERE identifier = 'watched'`)) as Array<{ id: string }>;
    await cp.app.get(AlertFirings).onConnectorStatusChanged({ connectorId: watched?.id as string, from: 'ACTIVE', to: 'FAILED', message: 'down', checkId: 'c9' });
    const [firing] = (await api.get<{ items: Array<{ notifications: Json[] }> }>(`/v1/alert-rules/to_slack/firings${P}`)).body.items;
    expect(firing?.notifications).toEqual([
      { connector: 'slack', error: { code: 'VALIDATION_FAILED', message: expect.stringContaining("secret 'account.slack_url'") }, taskStatus: null },
    ]);
  });

  it('deletes a rule with its firings', async () => {
    expect((await api.delete(`/v1/alert-rules/flapping${P}`)).status).toBe(204);
    expect((await api.get(`/v1/alert-rules/flapping${P}`)).status).toBe(404);
    expect((await cp.dataSource.query(`SELECT count(*)::int AS n FROM alert_firings f JOIN alert_rules r ON r.id = f.rule_id WHERE r.identifier = 'flapping'`))[0].n).toBe(0);
  });

  it('keeps a connector that an alert rule notifies through or watches from being deleted, unless forced', async () => {
    expect((await api.post('/v1/connectors', { identifier: 'pager_hook', name: 'Pager hook', type: 'Http', spec: { url: 'http://127.0.0.1:9/page' } })).status).toBe(201);
    expect((await api.post(`/v1/alert-rules${P}`, rule('pages', { notify: ['account.pager_hook'] }))).status).toBe(201);
    expect((await api.post(`/v1/alert-rules${P}`, rule('watches', { condition: { type: 'ConnectorStatusChange', connectors: ['watched'] } }))).status).toBe(201);

    const refused = await api.delete('/v1/connectors/pager_hook');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'CONNECTOR_IN_USE', details: [{ alertRule: 'pages', path: 'notify[0]', ref: 'account.pager_hook' }] });
    expect((refused.body as { message: string }).message).toContain('1 alert rule reference(s)');
    const watched = await api.delete(`/v1/connectors/watched${P}`);
    expect(watched.body).toMatchObject({ code: 'CONNECTOR_IN_USE', details: expect.arrayContaining([{ alertRule: 'watches', path: 'condition.connectors[0]', ref: 'watched' }]) });
    // The same identifier in another scope is another connector: not held by these rules.
    expect((await api.post('/v1/connectors?org=default', { identifier: 'watched', name: 'Org watched', type: 'Http', spec: { url: 'http://127.0.0.1:9/' } })).status).toBe(201);
    expect((await api.delete('/v1/connectors/watched?org=default')).status).toBe(204);

    expect((await api.delete('/v1/connectors/pager_hook?force=true')).status).toBe(204);
    for (const id of ['pages', 'watches']) expect((await api.delete(`/v1/alert-rules/${id}${P}`)).status).toBe(204);
  });
});
