import { expectIssue, expectValid } from './spec-testing';

describe('Slack', () => {
  it('accepts a webhook or a bot token', () => {
    expectValid('Slack', { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'slack_webhook' } } });
    expectValid('Slack', { auth: { type: 'BotToken', spec: { tokenRef: 'slack_bot' } }, defaultChannel: '#deploys' });
  });

  it('refuses the webhook URL written inline', () => {
    expectIssue(
      'Slack',
      { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'https://hooks.slack.com/services/T0/B0/x' } } },
      'spec.auth.spec.webhookUrlRef',
    );
  });
});
