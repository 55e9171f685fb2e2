import { startKubernetes, startPagerDuty, startSlack, startTeams, type KubernetesStandIn, type PagerDutyStandIn, type SlackStandIn, type StandIn, type TeamsStandIn } from '../peers';
import { json, startStandIn } from '../peers/stand-in';
import { freePort, RunningProcess, runTs, waitFor } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

type Json = Record<string, unknown>;
type Firing = { status: string; event: Json; notifications: Array<{ connector: string; taskId?: string; taskStatus: string | null }> };

const P = '?org=default&project=default';

/**
 * Alert rules end to end, on two control-plane replicas sharing one database and Redis: notifications
 * leave as `notification.send` tasks through a real delegate and reach the STAND-INs for Slack, Microsoft
 * Teams and PagerDuty (test/peers), and a generic webhook receiver (a stand-in defined here). The
 * Kubernetes API is a stand-in too (test/peers/kubernetes.ts).
 */
describe('alert rules through delegates to Slack, Teams, PagerDuty and webhook stand-ins, on two replicas', () => {
  const webhookToken = `canary-webhook-${Date.now()}`;
  let stack: Stack;
  let api: Stack['api'];
  let replica2: RunningProcess;
  let edge: RunningProcess;
  let slack: SlackStandIn;
  let teams: TeamsStandIn;
  let pagerDuty: PagerDutyStandIn;
  let cluster: KubernetesStandIn;
  let receiver: StandIn & { received: Json[] };
  let watchedUp = true;
  let watched: StandIn;

  const firings = async (rule: string): Promise<Firing[]> => {
    const answer = await api('GET', `/v1/alert-rules/${rule}/firings${P}`);
    expect(answer.status).toBe(200);
    return answer.body['items'] as Firing[];
  };
  const delivered = (firing: Firing | undefined) => Boolean(firing?.notifications.length && firing.notifications.every((n) => n.taskStatus === 'succeeded'));
  const testWatched = async () => (await api('POST', `/v1/connectors/watched/test${P}&wait=true`)).body['status'];

  beforeAll(async () => {
    [slack, teams, pagerDuty, cluster] = await Promise.all([startSlack(), startTeams(), startPagerDuty(), startKubernetes({ namespaces: ['production'] })]);
    const received: Json[] = [];
    receiver = Object.assign(
      await startStandIn({
        name: 'webhook-receiver',
        routes: [
          {
            method: 'POST',
            path: '/hooks/conduit',
            handle: (request) => {
              if (request.headers['authorization'] !== `Bearer ${webhookToken}`) return json(401, { error: 'unauthorized' });
              received.push(request.json() as Json);
              return json(202, { accepted: true });
            },
          },
        ],
      }),
      { received },
    );
    watched = await startStandIn({ name: 'watched-service', routes: [{ method: 'GET', path: '/health', handle: () => (watchedUp ? json(200, { ok: true }) : json(503, { ok: false })) }] });

    stack = await startStack({ name: 'alerts' });
    api = stack.api;
    const port2 = await freePort();
    replica2 = runTs('apps/control-plane/src/main.ts', { ...stack.controlPlaneEnv, PORT: String(port2), CONDUIT_LOCAL_DELEGATE: '0' });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port2}/readyz`)).ok, 'the second replica', { process: replica2 });
    // A second delegate, on the second replica, whose absence the delegate rule watches.
    edge = runTs('apps/delegate/src/main.ts', {
      CONDUIT_URL: `http://127.0.0.1:${port2}`,
      CONDUIT_DELEGATE_TOKEN_FILE: `${stack.home}/delegate-token`,
      DELEGATE_NAME: 'edge',
      DELEGATE_KEY_FILE: `${stack.home}/group.key`,
    });
    await waitFor(async () => ((await api('GET', '/v1/delegates')).body['items'] as Json[]).some((d) => d['name'] === 'edge' && d['status'] === 'connected'), 'the edge delegate', { process: edge });

    const secrets: Array<[string, string]> = [
      ['slack_url', slack.webhookUrl],
      ['teams_url', teams.webhookUrl],
      ['pd_routing', pagerDuty.routingKey],
      ['hook_token', webhookToken],
      ['k8s_token', 'not-a-token-of-this-cluster'],
    ];
    for (const [identifier, value] of secrets) expect((await api('POST', '/v1/secrets', { identifier, name: identifier, kind: 'text', value: { value } })).status).toBe(201);
    const connectors: Array<[string, Json]> = [
      ['', { identifier: 'slack', name: 'Slack', type: 'Slack', spec: { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'slack_url' } } } }],
      ['?org=default', { identifier: 'teams', name: 'Teams', type: 'MsTeams', spec: { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'account.teams_url' } } } }],
      [P, { identifier: 'pagerduty', name: 'PagerDuty', type: 'PagerDuty', spec: { routingKeyRef: 'account.pd_routing', apiUrl: pagerDuty.url } }],
      [P, { identifier: 'hook', name: 'Webhook', type: 'Http', spec: { url: `${receiver.url}/hooks/conduit`, method: 'POST', auth: { type: 'BearerToken', spec: { tokenRef: 'account.hook_token' } } } }],
      [P, { identifier: 'watched', name: 'Watched service', type: 'Http', spec: { url: `${watched.url}/health` } }],
      [P, { identifier: 'k8s', name: 'Cluster', type: 'K8sCluster', spec: { credential: { type: 'ManualConfig', spec: { masterUrl: cluster.url, auth: { type: 'ServiceAccount', spec: { serviceAccountTokenRef: 'account.k8s_token' } } } } } }],
    ];
    for (const [scope, body] of connectors) expect((await api('POST', `/v1/connectors${scope}`, body)).status).toBe(201);
  });
  afterAll(async () => {
    await edge?.stop();
    await replica2?.stop();
    await stack?.stop();
    await Promise.all([slack, teams, pagerDuty, cluster, receiver, watched].map((peer) => peer?.stop()));
  });

  it('notifies Slack and Teams once when a connector fails, and holds back the flapping that follows', async () => {
    const rule = { identifier: 'watched_failed', name: 'Watched service failed', condition: { type: 'ConnectorStatusChange', connectors: ['watched'], toStatus: ['FAILED'] }, notify: ['account.slack', 'org.teams'], cooldown: '1h' };
    expect((await api('POST', `/v1/alert-rules${P}`, rule)).status).toBe(201);

    expect(await testWatched()).toBe('SUCCESS');
    for (const up of [false, true, false, true, false]) {
      watchedUp = up;
      expect(await testWatched()).toBe(up ? 'SUCCESS' : 'FAILURE');
    }
    const all = await waitFor(async () => {
      const items = await firings('watched_failed');
      return items.length === 3 && delivered(items[2]) && items;
    }, 'the firing’s notifications to be delivered');
    expect(all.map((f) => f.status)).toEqual(['suppressed', 'suppressed', 'sent']);
    expect(all[2]?.notifications.map((n) => n.connector)).toEqual(['account.slack', 'org.teams']);
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]?.text).toMatch(/^\*Connector watched is FAILED\*\nHttp connector watched in project 'default\/default' went from ACTIVE to FAILED: /);
    expect(teams.cards).toEqual([expect.objectContaining({ title: 'Connector watched is FAILED', themeColor: 'C62828' })]);
    // The notification ran as a task on a delegate, like any connection operation.
    const task = (await api('GET', `/v1/tasks/${all[2]?.notifications[0]?.taskId}`)).body;
    expect(task).toMatchObject({ kind: 'notification.send', status: 'succeeded' });
  });

  it('raises a PagerDuty alert and calls the webhook when a pipeline fails', async () => {
    const pipeline = `pipeline:\n  name: Deploy app\n  identifier: deploy_app\n  stages:\n    - name: Deploy\n      type: deploy\n      spec:\n        service: app\n        environment:\n          name: production\n          deploy-to: prod\n        connector: k8s\n`;
    expect((await api('POST', `/v1/pipelines${P}`, pipeline)).status).toBe(201);
    expect((await api('POST', `/v1/alert-rules${P}`, { identifier: 'deploy_failed', name: 'Deploy failed', condition: { type: 'PipelineFailed', pipelines: ['deploy_app'] }, notify: ['pagerduty', 'hook'] })).status).toBe(201);
    const run = await api('POST', `/v1/pipelines/deploy_app/executions${P}`);
    expect(run.status).toBe(201);
    const [firing] = await waitFor(async () => {
      const items = await firings('deploy_failed');
      return delivered(items[0]) && items;
    }, 'the pipeline failure’s notifications', { timeoutMs: 60_000 });
    expect(firing?.event).toMatchObject({ title: 'Pipeline deploy_app failed', facts: { pipeline: 'deploy_app', execution: run.body['id'], stage: 'Deploy' } });
    expect(pagerDuty.events).toEqual([
      expect.objectContaining({ event_action: 'trigger', dedup_key: expect.stringMatching(/^conduit\/[0-9a-f-]+\/pipeline:/), payload: expect.objectContaining({ severity: 'error', source: 'pipeline deploy_app' }) }),
    ]);
    expect(receiver.received).toEqual([expect.objectContaining({ title: 'Pipeline deploy_app failed', severity: 'error', facts: expect.objectContaining({ rule: 'deploy_failed' }) })]);
  });

  it('fires exactly once when a delegate stays away longer than the rule allows, though both replicas watch', async () => {
    expect((await api('POST', `/v1/alert-rules${P}`, { identifier: 'edge_gone', name: 'Edge gone', condition: { type: 'DelegateDisconnected', for: '2s', delegates: ['edge'] }, notify: ['account.slack'] })).status).toBe(201);
    const before = slack.messages.length;
    await edge.stop();
    const [firing] = await waitFor(async () => {
      const items = await firings('edge_gone');
      return delivered(items[0]) && items;
    }, 'the absence alert', { timeoutMs: 60_000 });
    expect(firing?.event).toMatchObject({ title: 'Delegate edge disconnected for more than 2s', severity: 'critical' });
    // Several more watch rounds on both replicas: still one firing, one message.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await firings('edge_gone')).toHaveLength(1);
    expect(slack.messages.slice(before).map((m) => m.text?.split('\n')[0])).toEqual(['*Delegate edge disconnected for more than 2s*']);
  });

  it('never lets a notification secret out: not in API answers, nor any process’s log', () => {
    const secrets = [slack.webhookUrl.split('/').pop() as string, teams.webhookUrl.split('/').slice(-2).join('/'), pagerDuty.routingKey, webhookToken];
    const seen = [...stack.responses, stack.controlPlane.output, replica2.output, stack.delegate.output, edge.output].join('\n');
    for (const secret of secrets) expect(seen).not.toContain(secret);
  });
});
