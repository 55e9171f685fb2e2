import type { ConnectorCheckError } from '@conduit/connectors';
import {
  startDatadog,
  startJira,
  startNewRelic,
  startPagerDuty,
  startServiceNow,
  startSlack,
  startSplunk,
  startTeams,
  type DatadogStandIn,
  type JiraStandIn,
  type NewRelicStandIn,
  type PagerDutyStandIn,
  type ServiceNowStandIn,
  type SlackStandIn,
  type SplunkStandIn,
  type TeamsStandIn,
} from '../peers';
import { context, failure, text } from '../support/connector-check';

const secretFree = (error: ConnectorCheckError, ...secrets: string[]) => {
  for (const secret of secrets) expect(`${error.message} ${error.hint ?? ''}`).not.toContain(secret);
};

describe('Datadog connector test (STAND-IN for the Datadog "Validate API key" endpoint)', () => {
  let datadog: DatadogStandIn;
  beforeAll(async () => {
    datadog = await startDatadog();
  });
  afterAll(() => datadog?.stop());
  beforeEach(() => datadog.clearRequests());

  const spec = () => ({ url: `${datadog.url}/api/`, apiKeyRef: 'dd_api', applicationKeyRef: 'dd_app' });

  it('validates the API key at /api/v1/validate with DD-API-KEY', async () => {
    const { test, stages } = context('Datadog', spec(), { dd_api: text(datadog.apiKey), dd_app: text('app-key') });
    const outcome = await test();
    expect(outcome.message).toMatch(new RegExp(`^Datadog at ${datadog.url}/api/ accepted the API key \\(\\d+ ms\\)`));
    expect(
      datadog.requests.map((r) => `${r.method} ${r.path} ${r.status} ${r.headers['dd-api-key']} ${r.identity}`),
    ).toEqual(['GET /api/v1/validate 200 <redacted> api-key']);
    expect(stages.every((s) => s.ok)).toBe(true);
  });

  it('reports a wrong API key (403) as AUTHENTICATION_FAILED naming the URL, without echoing the key', async () => {
    const wrong = 'ddwrongwrongwrongwrongwrongwrong0';
    const error = await failure(context('Datadog', spec(), { dd_api: text(wrong), dd_app: text('app-key') }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: API key rejected by ${datadog.url}/api/v1/validate (403)`);
    secretFree(error, wrong);
    expect(datadog.requests.map((r) => r.status)).toEqual([403]);
  });
});

describe('Splunk connector test (STAND-IN for the Splunk REST API and HTTP Event Collector)', () => {
  let splunk: SplunkStandIn;
  beforeAll(async () => {
    splunk = await startSplunk();
  });
  afterAll(() => splunk?.stop());
  beforeEach(() => splunk.clearRequests());

  it('reads server info with Basic authentication', async () => {
    const outcome = await context(
      'Splunk',
      { splunkUrl: splunk.url, username: splunk.username, passwordRef: 'pw' },
      { pw: text(splunk.password) },
    ).test();
    expect(outcome.message).toMatch(
      new RegExp(`^Splunk 9\\.1\\.2 \\(conduit-splunk\\) at ${splunk.url}/ answered server info in \\d+ ms$`),
    );
    expect(splunk.requests).toMatchObject([
      {
        method: 'GET',
        path: '/services/server/info',
        query: { output_mode: 'json' },
        headers: { authorization: 'Basic <redacted>' },
        identity: splunk.username,
        status: 200,
      },
    ]);
  });

  it('reads server info with an authentication token as Bearer', async () => {
    await context(
      'Splunk',
      { splunkUrl: splunk.url, type: 'Bearer Token(HTTP Header)', tokenRef: 'tok' },
      { tok: text(splunk.token) },
    ).test();
    expect(splunk.requests).toMatchObject([
      { path: '/services/server/info', headers: { authorization: 'Bearer <redacted>' }, status: 200 },
    ]);
  });

  it('checks an HEC token with an empty event POST, sending no event', async () => {
    const outcome = await context(
      'Splunk',
      { splunkUrl: splunk.url, type: 'HEC Token', tokenRef: 'hec' },
      { hec: text(splunk.hecToken) },
    ).test();
    expect(outcome.message).toContain('accepted the token');
    expect(splunk.requests).toMatchObject([
      {
        method: 'POST',
        path: '/services/collector/event',
        headers: { authorization: 'Splunk <redacted>' },
        status: 400,
      },
    ]);
    expect(splunk.events).toHaveLength(0);
  });

  it('reports a wrong password as AUTHENTICATION_FAILED naming the URL, without echoing it', async () => {
    const wrong = 'pw-wrongwrongwrong';
    const error = await failure(
      context(
        'Splunk',
        { splunkUrl: splunk.url, username: splunk.username, passwordRef: 'pw' },
        { pw: text(wrong) },
      ).test(),
    );
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(
      `authentication failed: the credentials rejected by ${splunk.url}/services/server/info (401)`,
    );
    secretFree(error, wrong);
    expect(splunk.requests.map((r) => r.status)).toEqual([401]);
  });

  it('reports a wrong HEC token (403 Invalid token) as FORBIDDEN', async () => {
    const wrong = '00000000-0000-4000-8000-000000000000';
    const error = await failure(
      context('Splunk', { splunkUrl: splunk.url, type: 'HEC Token', tokenRef: 'hec' }, { hec: text(wrong) }).test(),
    );
    expect(error).toMatchObject({ code: 'FORBIDDEN', stage: 'authentication' });
    expect(error.message).toBe(
      `authentication failed: the HEC token rejected by ${splunk.url}/services/collector/event (403)`,
    );
    secretFree(error, wrong);
  });
});

describe('NewRelic connector test (STAND-IN for New Relic NerdGraph)', () => {
  let newRelic: NewRelicStandIn;
  beforeAll(async () => {
    newRelic = await startNewRelic();
  });
  afterAll(() => newRelic?.stop());
  beforeEach(() => newRelic.clearRequests());

  const spec = () => ({
    url: 'https://insights-api.newrelic.com/',
    newRelicAccountId: '1234567',
    apiKeyRef: 'nr',
    apiUrl: `${newRelic.url}/graphql`,
  });

  it('asks NerdGraph who the API key belongs to', async () => {
    const outcome = await context('NewRelic', spec(), { nr: text(newRelic.apiKey) }).test();
    expect(outcome.message).toBe(
      `New Relic NerdGraph at ${newRelic.url}/graphql authenticated ${newRelic.user.name} (${newRelic.user.email})`,
    );
    expect(newRelic.requests).toMatchObject([
      {
        method: 'POST',
        path: '/graphql',
        headers: { 'api-key': '<redacted>' },
        body: { query: '{ actor { user { name email } } }' },
        identity: 'user-key',
        status: 200,
      },
    ]);
  });

  it('reports a wrong API key as AUTHENTICATION_FAILED naming the URL, without echoing it', async () => {
    const wrong = 'NRAK-WRONGWRONGWRONGWRONGWRONG0';
    const error = await failure(context('NewRelic', spec(), { nr: text(wrong) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(`authentication failed: API key rejected by ${newRelic.url}/graphql (401)`);
    secretFree(error, wrong);
    expect(newRelic.requests.map((r) => r.status)).toEqual([401]);
  });
});

describe('Slack connector test (STAND-IN for Slack incoming webhooks and the Web API)', () => {
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = await startSlack();
  });
  afterAll(() => slack?.stop());
  beforeEach(() => {
    slack.clearRequests();
    slack.messages.length = 0;
  });

  const webhook = () => ({ auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'hook' } } });
  const bot = () => ({ auth: { type: 'BotToken', spec: { tokenRef: 'bot' } }, apiUrl: `${slack.url}/api` });

  it('posts one clearly marked test message through the webhook', async () => {
    const outcome = await context('Slack', webhook(), { hook: text(slack.webhookUrl) }).test();
    expect(outcome.message).toBe(
      `Slack webhook at ${slack.url}/services/… accepted a test message ("Conduit connection test …")`,
    );
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]).toMatchObject({
      via: 'webhook',
      text: expect.stringMatching(/^Conduit connection test/),
    });
    expect(slack.requests.map((r) => `${r.method} ${r.status} ${r.identity}`)).toEqual(['POST 200 webhook:B0CONDUIT']);
  });

  it('reports a revoked webhook as AUTHENTICATION_FAILED naming only its host, never the URL secret', async () => {
    const error = await failure(context('Slack', webhook(), { hook: text(slack.revokedWebhookUrl) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(
      `authentication failed: webhook URL rejected by ${slack.url}/services/… (403 invalid_token)`,
    );
    secretFree(error, slack.revokedWebhookUrl, new URL(slack.revokedWebhookUrl).pathname);
    expect(slack.messages).toHaveLength(0);
  });

  it('authenticates a bot token with auth.test, posting nothing', async () => {
    const outcome = await context('Slack', bot(), { bot: text(slack.botToken) }).test();
    expect(outcome.message).toBe(
      `Slack API ${slack.url}/api/auth.test authenticated conduit-bot in team Conduit Test; no message was posted`,
    );
    expect(slack.requests).toMatchObject([
      {
        method: 'POST',
        path: '/api/auth.test',
        headers: { authorization: 'Bearer <redacted>' },
        identity: 'conduit-bot',
        status: 200,
      },
    ]);
    expect(slack.messages).toHaveLength(0);
  });

  it('reports a wrong bot token (invalid_auth) as AUTHENTICATION_FAILED naming the URL', async () => {
    const wrong = 'xoxb-wrong-wrongwrongwrongwrong';
    const error = await failure(context('Slack', bot(), { bot: text(wrong) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(
      `authentication failed: bot token rejected by ${slack.url}/api/auth.test (invalid_auth)`,
    );
    secretFree(error, wrong);
  });
});

describe('MsTeams connector test (STAND-IN for a Teams incoming webhook)', () => {
  let teams: TeamsStandIn;
  beforeAll(async () => {
    teams = await startTeams();
  });
  afterAll(() => teams?.stop());
  beforeEach(() => {
    teams.clearRequests();
    teams.cards.length = 0;
  });

  const spec = () => ({ auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'hook' } } });

  it('posts one clearly marked MessageCard', async () => {
    const outcome = await context('MsTeams', spec(), { hook: text(teams.webhookUrl) }).test();
    expect(outcome.message).toBe(
      `Teams webhook at ${teams.url}/webhookb2/… accepted a test card ("Conduit connection test")`,
    );
    expect(teams.cards).toEqual([
      expect.objectContaining({ '@type': 'MessageCard', summary: 'Conduit connection test' }),
    ]);
    expect(teams.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 200']);
  });

  it('reports an unknown webhook (404) as AUTHENTICATION_FAILED naming only its host', async () => {
    const wrong = teams.webhookUrl.replace(
      /IncomingWebhook\/[0-9a-f]+\//,
      'IncomingWebhook/0123456789abcdef0123456789abcdef/',
    );
    const error = await failure(context('MsTeams', spec(), { hook: text(wrong) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(
      `authentication failed: webhook URL rejected by ${teams.url}/webhookb2/… (404 Webhook not found)`,
    );
    secretFree(error, wrong, new URL(wrong).pathname);
    expect(teams.cards).toHaveLength(0);
  });
});

describe('Jira connector test and create-issue (STAND-IN for the Jira REST API v2 and v3)', () => {
  let jira: JiraStandIn;
  beforeAll(async () => {
    jira = await startJira();
  });
  afterAll(() => jira?.stop());
  beforeEach(() => jira.clearRequests());

  const cloud = () => ({
    jiraUrl: `${jira.url}/`,
    auth: { type: 'UsernamePassword', spec: { username: jira.email, passwordRef: 'tok' } },
  });

  it('authenticates e-mail and API token (Basic) at /rest/api/2/myself', async () => {
    const outcome = await context('Jira', cloud(), { tok: text(jira.apiToken) }).test();
    expect(outcome.message).toBe(`Jira at ${jira.url}/ authenticated Conduit Bot (${jira.email})`);
    expect(jira.requests).toMatchObject([
      {
        method: 'GET',
        path: '/rest/api/2/myself',
        headers: { authorization: 'Basic <redacted>' },
        identity: jira.email,
        status: 200,
      },
    ]);
  });

  it('authenticates a Data Center personal access token (Bearer), and the older flat credentials', async () => {
    await context(
      'Jira',
      { jiraUrl: jira.url, auth: { type: 'PersonalAccessToken', spec: { patRef: 'pat' } } },
      { pat: text(jira.personalAccessToken) },
    ).test();
    await context(
      'Jira',
      { jiraUrl: jira.url, username: jira.email, passwordRef: 'tok' },
      { tok: text(jira.apiToken) },
    ).test();
    expect(jira.requests.map((r) => `${r.headers['authorization']} ${r.status}`)).toEqual([
      'Bearer <redacted> 200',
      'Basic <redacted> 200',
    ]);
  });

  it('reports a wrong API token as AUTHENTICATION_FAILED naming the URL, without echoing it', async () => {
    const wrong = 'ATATTwrongwrongwrongwrongwrong';
    const error = await failure(context('Jira', cloud(), { tok: text(wrong) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(
      `authentication failed: the credentials rejected by ${jira.url}/rest/api/2/myself (401)`,
    );
    secretFree(error, wrong);
  });

  it('create-issue files an issue through API 2 (plain description) and 3 (an Atlassian Document)', async () => {
    const { action } = context('Jira', cloud(), { tok: text(jira.apiToken) });
    const v2 = await action('create-issue', {
      projectKey: 'OPS',
      summary: 'Disk full on db-1',
      description: 'since 02:00',
    });
    const v3 = await action('create-issue', {
      projectKey: 'OPS',
      issueType: 'Incident',
      summary: 'Disk still full',
      description: 'since 02:00\n\nrunbook: disk',
      apiVersion: '3',
    });
    expect([v2.message, v3.message]).toEqual([
      'created Jira issue OPS-1 (Task) in OPS',
      'created Jira issue OPS-2 (Incident) in OPS',
    ]);
    expect(v3.details).toMatchObject({ key: 'OPS-2', url: `${jira.url}/browse/OPS-2` });
    expect(jira.requests.map((r) => `${r.method} ${r.path} ${r.status} ${r.identity}`)).toEqual([
      `POST /rest/api/2/issue 201 ${jira.email}`,
      `POST /rest/api/3/issue 201 ${jira.email}`,
    ]);
    expect(jira.issues.slice(-2)).toMatchObject([
      { key: 'OPS-1', apiVersion: '2', fields: { summary: 'Disk full on db-1', description: 'since 02:00' } },
      { key: 'OPS-2', apiVersion: '3', fields: { description: { type: 'doc', content: [{}, {}] } } },
    ]);
  });

  it("create-issue reports Jira's field errors (unknown project and issue type) and files nothing", async () => {
    const before = jira.issues.length;
    const error = await failure(
      context('Jira', cloud(), { tok: text(jira.apiToken) }).action('create-issue', {
        projectKey: 'NOPE',
        issueType: 'Epic',
        summary: 'x',
      }),
    );
    expect(error).toMatchObject({ code: 'ISSUE_REJECTED', stage: 'operation' });
    expect(error.message).toBe(
      'Jira refused the issue in NOPE: project: valid project is required; issuetype: Specify a valid issue type',
    );
    expect(jira.issues).toHaveLength(before);
  });
});

describe('ServiceNow connector test and create-record (STAND-IN for the ServiceNow Table API)', () => {
  let serviceNow: ServiceNowStandIn;
  beforeAll(async () => {
    serviceNow = await startServiceNow();
  });
  afterAll(() => serviceNow?.stop());
  beforeEach(() => serviceNow.clearRequests());

  const spec = () => ({
    serviceNowUrl: serviceNow.url,
    auth: { type: 'UsernamePassword', spec: { username: serviceNow.username, passwordRef: 'pw' } },
  });

  it('reads one sys_user record with Basic authentication', async () => {
    const outcome = await context('ServiceNow', spec(), { pw: text(serviceNow.password) }).test();
    expect(outcome.message).toMatch(
      new RegExp(`^ServiceNow at ${serviceNow.url}/ authenticated and read the sys_user table in \\d+ ms$`),
    );
    expect(serviceNow.requests).toMatchObject([
      {
        method: 'GET',
        path: '/api/now/table/sys_user',
        query: { sysparm_limit: '1' },
        headers: { authorization: 'Basic <redacted>' },
        identity: serviceNow.username,
        status: 200,
      },
    ]);
  });

  it('reports a wrong password as AUTHENTICATION_FAILED naming the URL, without echoing it', async () => {
    const wrong = 'pw-wrongwrongwrong';
    const error = await failure(context('ServiceNow', spec(), { pw: text(wrong) }).test());
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(
      `authentication failed: the credentials rejected by ${serviceNow.url}/api/now/table/sys_user (401)`,
    );
    secretFree(error, wrong);
  });

  it('create-record opens an incident through the Table API and returns its sys_id and number', async () => {
    const outcome = await context('ServiceNow', spec(), { pw: text(serviceNow.password) }).action('create-record', {
      fields: { short_description: 'Disk full on db-1', urgency: '2' },
    });
    const created = serviceNow.tables['incident']?.at(-1);
    expect(created).toMatchObject({ short_description: 'Disk full on db-1', urgency: '2', number: 'INC0010002' });
    expect(outcome).toMatchObject({
      message: 'created ServiceNow incident record INC0010002',
      details: { table: 'incident', sysId: created?.['sys_id'], number: 'INC0010002' },
    });
    expect(serviceNow.requests).toMatchObject([
      { method: 'POST', path: '/api/now/table/incident', headers: { authorization: 'Basic <redacted>' }, status: 201 },
    ]);
  });

  it("create-record reports ServiceNow's error for an unknown table", async () => {
    const error = await failure(
      context('ServiceNow', spec(), { pw: text(serviceNow.password) }).action('create-record', {
        table: 'u_nope',
        fields: { short_description: 'x' },
      }),
    );
    expect(error).toMatchObject({ code: 'RECORD_REJECTED', stage: 'operation' });
    expect(error.message).toBe('ServiceNow refused the u_nope record (400): Invalid table u_nope');
  });
});

describe('PagerDuty connector test (STAND-IN for the PagerDuty REST and Events v2 APIs)', () => {
  let pagerDuty: PagerDutyStandIn;
  beforeAll(async () => {
    pagerDuty = await startPagerDuty();
  });
  afterAll(() => pagerDuty?.stop());
  beforeEach(() => {
    pagerDuty.clearRequests();
    pagerDuty.events.length = 0;
  });

  it('checks a REST API token at /abilities (Token token=…)', async () => {
    const outcome = await context(
      'PagerDuty',
      { apiTokenRef: 'tok', apiUrl: pagerDuty.url },
      { tok: text(pagerDuty.apiToken) },
    ).test();
    expect(outcome.message).toBe(
      `PagerDuty REST API ${pagerDuty.url}/abilities accepted the API token; the account has 4 abilities`,
    );
    expect(pagerDuty.requests).toMatchObject([
      {
        method: 'GET',
        path: '/abilities',
        headers: { authorization: 'Token <redacted>' },
        identity: 'api-token',
        status: 200,
      },
    ]);
  });

  it('reports a wrong REST API token as AUTHENTICATION_FAILED naming the URL, without echoing it', async () => {
    const wrong = 'u+wrongwrongwrong';
    const error = await failure(
      context('PagerDuty', { apiTokenRef: 'tok', apiUrl: pagerDuty.url }, { tok: text(wrong) }).test(),
    );
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(
      `authentication failed: the REST API token rejected by ${pagerDuty.url}/abilities (401)`,
    );
    secretFree(error, wrong);
  });

  it('checks a routing key alone with an Events v2 resolve that triggers nothing', async () => {
    await context(
      'PagerDuty',
      { routingKeyRef: 'rk', apiUrl: pagerDuty.url },
      { rk: text(pagerDuty.routingKey) },
    ).test();
    expect(pagerDuty.requests).toMatchObject([
      {
        method: 'POST',
        path: '/v2/enqueue',
        body: { routing_key: '<redacted>', event_action: 'resolve' },
        status: 202,
      },
    ]);
    expect(pagerDuty.events.map((e) => e.event_action)).toEqual(['resolve']);
    const wrong = 'f'.repeat(32);
    const error = await failure(
      context('PagerDuty', { routingKeyRef: 'rk', apiUrl: pagerDuty.url }, { rk: text(wrong) }).test(),
    );
    expect(error).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect(error.message).toBe(
      `authentication failed: routing key rejected by ${pagerDuty.url}/v2/enqueue (400 Invalid routing key)`,
    );
    secretFree(error, wrong);
  });

  it('with both an API token and a routing key, checks both', async () => {
    const outcome = await context(
      'PagerDuty',
      { apiTokenRef: 'tok', routingKeyRef: 'rk', apiUrl: pagerDuty.url },
      { tok: text(pagerDuty.apiToken), rk: text(pagerDuty.routingKey) },
    ).test();
    expect(outcome.message).toMatch(/accepted the API token; .* accepted the routing key/);
    expect(pagerDuty.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /abilities 200',
      'POST /v2/enqueue 202',
    ]);
  });
});
