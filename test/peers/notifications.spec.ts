// Slack, Teams, PagerDuty, Jira and ServiceNow stand-ins: the happy path and the documented errors.
import { JiraStandIn, startJira } from './jira';
import { PagerDutyStandIn, startPagerDuty } from './pagerduty';
import { ServiceNowStandIn, startServiceNow } from './servicenow';
import { SlackStandIn, startSlack } from './slack';
import { startTeams, TeamsStandIn } from './teams';

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('Slack stand-in', () => {
  let slack: SlackStandIn;
  beforeAll(async () => (slack = await startSlack()));
  afterAll(() => slack?.stop());

  it('accepts a webhook message with text "ok"', async () => {
    const response = await postJson(slack.webhookUrl, { text: 'deploy finished' });
    expect([response.status, await response.text()]).toEqual([200, 'ok']);
    expect(slack.messages.at(-1)).toEqual({ via: 'webhook', text: 'deploy finished', blocks: undefined });
  });

  it('answers webhook errors as Slack does', async () => {
    const revoked = await postJson(slack.revokedWebhookUrl, { text: 'x' });
    expect([revoked.status, await revoked.text()]).toEqual([403, 'invalid_token']);
    const unknown = await postJson(`${slack.url}/services/T000/B000/xyz`, { text: 'x' });
    expect([unknown.status, await unknown.text()]).toEqual([404, 'no_service']);
    const empty = await postJson(slack.webhookUrl, {});
    expect([empty.status, await empty.text()]).toEqual([400, 'no_text']);
    const garbage = await fetch(slack.webhookUrl, { method: 'POST', body: 'not json' });
    expect([garbage.status, await garbage.text()]).toEqual([400, 'invalid_payload']);
  });

  it('auth.test and chat.postMessage with the bot token; invalid_auth otherwise', async () => {
    const auth = { authorization: `Bearer ${slack.botToken}` };
    expect(await (await postJson(`${slack.url}/api/auth.test`, {}, auth)).json()).toMatchObject({
      ok: true,
      team_id: slack.teamId,
    });
    const posted = await (
      await postJson(`${slack.url}/api/chat.postMessage`, { channel: 'C0DEPLOYS', text: 'hi' }, auth)
    ).json();
    expect(posted).toMatchObject({ ok: true, channel: 'C0DEPLOYS', message: { text: 'hi' } });
    const wrong = await postJson(`${slack.url}/api/auth.test`, {}, { authorization: 'Bearer xoxb-wrong' });
    expect([wrong.status, await wrong.json()]).toEqual([200, { ok: false, error: 'invalid_auth' }]);
    expect(await (await postJson(`${slack.url}/api/auth.test`, {})).json()).toEqual({ ok: false, error: 'not_authed' });
    const form = await fetch(`${slack.url}/api/chat.postMessage`, {
      method: 'POST',
      body: new URLSearchParams({ token: slack.botToken, channel: 'nowhere', text: 'x' }),
    });
    expect(await form.json()).toEqual({ ok: false, error: 'channel_not_found' });
    expect(slack.requests.at(-1)?.body).toMatchObject({ token: '<redacted>', channel: 'nowhere' });
  });
});

describe('Teams stand-in', () => {
  let teams: TeamsStandIn;
  beforeAll(async () => (teams = await startTeams()));
  afterAll(() => teams?.stop());

  it('answers a MessageCard with "1" and a card without text with 400', async () => {
    const ok = await postJson(teams.webhookUrl, {
      '@type': 'MessageCard',
      '@context': 'http://schema.org/extensions',
      text: 'hello',
    });
    expect([ok.status, await ok.text()]).toEqual([200, '1']);
    const bad = await postJson(teams.webhookUrl, { '@type': 'MessageCard' });
    expect([bad.status, await bad.text()]).toEqual([400, 'Summary or Text is required.']);
    expect((await postJson(teams.webhookUrl.replace(/[0-9a-f]{32}/, '0'.repeat(32)), { text: 'x' })).status).toBe(404);
    expect(teams.cards).toHaveLength(1);
  });
});

describe('PagerDuty stand-in', () => {
  let pagerduty: PagerDutyStandIn;
  beforeAll(async () => (pagerduty = await startPagerDuty()));
  afterAll(() => pagerduty?.stop());

  it('enqueues an event with 202 and rejects invalid routing keys with 400', async () => {
    const event = { event_action: 'trigger', payload: { summary: 'disk full', source: 'db-1', severity: 'critical' } };
    const accepted = await postJson(`${pagerduty.url}/v2/enqueue`, {
      ...event,
      routing_key: pagerduty.routingKey,
      dedup_key: 'db-1-disk',
    });
    expect([accepted.status, await accepted.json()]).toEqual([
      202,
      { status: 'success', message: 'Event processed', dedup_key: 'db-1-disk' },
    ]);
    const wrongKey = await postJson(`${pagerduty.url}/v2/enqueue`, { ...event, routing_key: 'f'.repeat(32) });
    expect([wrongKey.status, await wrongKey.json()]).toEqual([
      400,
      { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] },
    ]);
    const shortKey = await postJson(`${pagerduty.url}/v2/enqueue`, { ...event, routing_key: 'short' });
    expect((await shortKey.json()) as unknown).toMatchObject({
      errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"],
    });
    expect(pagerduty.requests[0].body).toMatchObject({ routing_key: '<redacted>' });
  });

  it('GET /abilities with Token token=…; 401 otherwise', async () => {
    const ok = await fetch(`${pagerduty.url}/abilities`, {
      headers: { authorization: `Token token=${pagerduty.apiToken}` },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { abilities: string[] }).abilities.length).toBeGreaterThan(0);
    const refused = await fetch(`${pagerduty.url}/abilities`, { headers: { authorization: 'Token token=nope' } });
    expect([refused.status, await refused.json()]).toEqual([
      401,
      { error: { message: 'Authentication failed', code: 2006 } },
    ]);
  });
});

describe('Jira stand-in', () => {
  let jira: JiraStandIn;
  beforeAll(async () => (jira = await startJira()));
  afterAll(() => jira?.stop());

  it('GET /rest/api/2/myself with email + API token or a PAT; 401 otherwise', async () => {
    const me = await fetch(`${jira.url}/rest/api/2/myself`, { headers: basic(jira.email, jira.apiToken) });
    expect(await me.json()).toMatchObject({ emailAddress: jira.email, active: true });
    expect(
      (
        await fetch(`${jira.url}/rest/api/2/myself`, {
          headers: { authorization: `Bearer ${jira.personalAccessToken}` },
        })
      ).status,
    ).toBe(200);
    expect((await fetch(`${jira.url}/rest/api/2/myself`, { headers: basic(jira.email, 'wrong') })).status).toBe(401);
  });

  it('creates an issue {id,key,self} and reports missing fields as an ErrorCollection', async () => {
    const created = await postJson(
      `${jira.url}/rest/api/2/issue`,
      { fields: { project: { key: 'OPS' }, summary: 'Deploy failed', issuetype: { name: 'Task' } } },
      basic(jira.email, jira.apiToken),
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: '10000', key: 'OPS-1', self: `${jira.url}/rest/api/2/issue/10000` });
    const invalid = await postJson(
      `${jira.url}/rest/api/2/issue`,
      { fields: { project: { key: 'NOPE' } } },
      basic(jira.email, jira.apiToken),
    );
    expect([invalid.status, await invalid.json()]).toEqual([
      400,
      {
        errorMessages: [],
        errors: {
          project: 'valid project is required',
          summary: 'You must specify a summary of the issue.',
          issuetype: 'valid issue type is required',
        },
      },
    ]);
  });

  it('API 3 wants the description as an Atlassian Document; both refuse an unknown issue type and a multi-line summary', async () => {
    const fields = { project: { key: 'OPS' }, summary: 'Deploy failed', issuetype: { name: 'Task' } };
    const doc = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x' }] }] };
    const plain = await postJson(
      `${jira.url}/rest/api/3/issue`,
      { fields: { ...fields, description: 'x' } },
      basic(jira.email, jira.apiToken),
    );
    expect([plain.status, await plain.json()]).toEqual([
      400,
      {
        errorMessages: [],
        errors: { description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)' },
      },
    ]);
    const created = await postJson(
      `${jira.url}/rest/api/3/issue`,
      { fields: { ...fields, description: doc } },
      basic(jira.email, jira.apiToken),
    );
    expect(created.status).toBe(201);
    expect((await created.json()) as { self: string }).toMatchObject({
      self: expect.stringContaining('/rest/api/3/issue/'),
    });
    expect(jira.issues.at(-1)).toMatchObject({ apiVersion: '3', fields: { description: doc } });
    const wrong = await postJson(
      `${jira.url}/rest/api/2/issue`,
      { fields: { ...fields, summary: 'two\nlines', issuetype: { name: 'Epic' } } },
      basic(jira.email, jira.apiToken),
    );
    expect(await wrong.json()).toEqual({
      errorMessages: [],
      errors: {
        summary: 'The summary is invalid because it contains newline characters.',
        issuetype: 'Specify a valid issue type',
      },
    });
  });
});

describe('ServiceNow stand-in', () => {
  let servicenow: ServiceNowStandIn;
  beforeAll(async () => (servicenow = await startServiceNow()));
  afterAll(() => servicenow?.stop());

  it('reads and creates table records; 401 and invalid table as ServiceNow answers them', async () => {
    const auth = basic(servicenow.username, servicenow.password);
    const listed = await fetch(`${servicenow.url}/api/now/table/incident?sysparm_limit=1`, { headers: auth });
    expect(((await listed.json()) as { result: unknown[] }).result).toHaveLength(1);
    const created = await postJson(
      `${servicenow.url}/api/now/table/incident`,
      { short_description: 'from conduit' },
      auth,
    );
    expect(created.status).toBe(201);
    expect(((await created.json()) as { result: Record<string, unknown> }).result).toMatchObject({
      short_description: 'from conduit',
      number: 'INC0010002',
    });
    const refused = await fetch(`${servicenow.url}/api/now/table/incident`, {
      headers: basic(servicenow.username, 'wrong'),
    });
    expect([refused.status, await refused.json()]).toEqual([
      401,
      {
        error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
        status: 'failure',
      },
    ]);
    const invalid = await fetch(`${servicenow.url}/api/now/table/nosuch`, {
      headers: { authorization: `Bearer ${servicenow.oauthToken}` },
    });
    expect([invalid.status, await invalid.json()]).toEqual([
      400,
      { error: { message: 'Invalid table nosuch', detail: null }, status: 'failure' },
    ]);
  });
});
