import { sendNotification, type NotificationMessage } from '@conduit/connectors';
import { startPagerDuty, startSlack, startTeams, type PagerDutyStandIn, type SlackStandIn, type TeamsStandIn } from '../peers';
import { json, startStandIn, type StandIn } from '../peers/stand-in';
import { context, failure, text } from '../support/connector-check';

const message: NotificationMessage = {
  title: 'Connector k8s is FAILED',
  text: 'K8sCluster connector k8s went from ACTIVE to FAILED: connection refused',
  severity: 'error',
  dedupKey: 'conduit/rule-1/connector:abc',
  source: 'connector k8s',
  facts: { connector: 'k8s', to: 'FAILED' },
};

const send = (type: string, spec: Record<string, unknown>, secrets: Record<string, string>) =>
  sendNotification(type, context(type, spec, Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, text(v)]))).ctx, message);

/** The alert senders of libs/connectors against the STAND-INs for Slack, Teams and PagerDuty (test/peers) and a webhook stand-in. */
describe('notification senders (stand-ins for Slack, Microsoft Teams, PagerDuty and a webhook receiver)', () => {
  let slack: SlackStandIn;
  let teams: TeamsStandIn;
  let pagerDuty: PagerDutyStandIn;
  let hook: StandIn;
  beforeAll(async () => {
    [slack, teams, pagerDuty] = await Promise.all([startSlack(), startTeams(), startPagerDuty()]);
    hook = await startStandIn({ name: 'hook', routes: [{ method: 'POST', path: '/broken', handle: () => json(500, { error: 'down' }) }] });
  });
  afterAll(() => Promise.all([slack?.stop(), teams?.stop(), pagerDuty?.stop(), hook?.stop()]));

  it('posts to a Slack channel with a bot token, and names the channel Slack refused', async () => {
    const spec = (channel: string) => ({ auth: { type: 'BotToken', spec: { tokenRef: 'bot' } }, apiUrl: `${slack.url}/api`, defaultChannel: channel });
    const receipt = await send('Slack', spec('C0DEPLOYS'), { bot: slack.botToken });
    expect(receipt.message).toBe('posted to Slack channel C0DEPLOYS');
    expect(slack.messages).toEqual([{ via: 'chat.postMessage', channel: 'C0DEPLOYS', text: '*Connector k8s is FAILED*\nK8sCluster connector k8s went from ACTIVE to FAILED: connection refused\nconnector: k8s\nto: FAILED', blocks: undefined }]);
    const error = await failure(send('Slack', spec('#nowhere'), { bot: slack.botToken }));
    expect(error).toMatchObject({ code: 'NOTIFICATION_REFUSED', message: 'Slack refused the message to #nowhere: channel_not_found' });
    expect(await failure(send('Slack', spec('C0DEPLOYS'), { bot: 'xoxb-wrong' }))).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
  });

  it('reports a revoked Slack webhook without printing the URL’s secret part', async () => {
    const error = await failure(send('Slack', { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'url' } } }, { url: slack.revokedWebhookUrl }));
    expect(error.code).toBe('AUTHENTICATION_FAILED');
    expect(`${error.message} ${error.hint}`).not.toContain(slack.revokedWebhookUrl.split('/').pop());
  });

  it('sends Teams a card with the facts, and PagerDuty a trigger whose dedup key groups repeats', async () => {
    await send('MsTeams', { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'url' } } }, { url: teams.webhookUrl });
    expect(teams.cards).toEqual([expect.objectContaining({ title: message.title, sections: [{ facts: [{ name: 'connector', value: 'k8s' }, { name: 'to', value: 'FAILED' }] }] })]);
    const receipt = await send('PagerDuty', { routingKeyRef: 'rk', apiUrl: pagerDuty.url }, { rk: pagerDuty.routingKey });
    expect(receipt.details).toMatchObject({ dedupKey: message.dedupKey });
    expect(pagerDuty.events).toEqual([expect.objectContaining({ event_action: 'trigger', dedup_key: message.dedupKey, payload: expect.objectContaining({ severity: 'error', source: 'connector k8s' }) })]);
    const wrongKey = 'f'.repeat(32);
    const error = await failure(send('PagerDuty', { routingKeyRef: 'rk', apiUrl: pagerDuty.url }, { rk: wrongKey }));
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    expect(error.message).not.toContain(wrongKey);
  });

  it('fails on a webhook that answers 500, and refuses a connector type that cannot notify', async () => {
    expect(await failure(send('Http', { url: `${hook.url}/broken`, method: 'POST' }, {}))).toMatchObject({ code: 'NOTIFICATION_REFUSED', message: `the webhook at ${hook.url}/broken refused the notification (500 {"error":"down"})` });
    expect(hook.requests).toHaveLength(1); // a send is not retried: it might have been delivered
    await expect(sendNotification('Prometheus', context('Prometheus', { url: 'http://127.0.0.1:9/' }, {}).ctx, message)).rejects.toMatchObject({ code: 'NOT_A_NOTIFICATION_CONNECTOR' });
  });
});
