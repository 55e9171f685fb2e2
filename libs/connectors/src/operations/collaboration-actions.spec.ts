import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { getConnectorType, validateConnectorSpec } from '../catalog';
import { atlassianDocument } from './collaboration-test';
import { ConnectorCheckError } from './context';
import { testContext } from './testing';

/**
 * The collaboration operations (send-notification, create-issue, create-record) against a loopback server whose
 * answers each test scripts; what reached it (method, path, headers, body) is kept. The faithful stand-ins are
 * exercised in test/e2e (connector-tests-collaboration, connector-operations).
 */
let server: Server;
let base: string;
let script: Array<{ status: number; body: string }> = [];
const received: Array<{ method: string; path: string; headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const next = script.shift() ?? { status: 500, body: 'unscripted' };
      res.writeHead(next.status, { 'content-type': 'application/json' });
      res.end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());
beforeEach(() => {
  script = [];
  received.length = 0;
});

/** Runs one operation as a delegate does: the spec validated, the input parsed by the operation's own schema. */
function operation(type: string, raw: Record<string, unknown>, secrets: Record<string, string>) {
  const validated = validateConnectorSpec(type, raw);
  if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
  const { ctx } = testContext(validated.spec, secrets);
  const actions = getConnectorType(type)?.operations?.actions ?? {};
  return {
    input: (name: string, input: unknown) => actions[name]?.input.safeParse(input),
    run: (name: string, input: unknown) => {
      const action = actions[name];
      if (!action) throw new Error(`${type} has no ${name}`);
      return action.run(ctx, action.input.parse(input));
    },
  };
}
const sent = (i = 0) => JSON.parse(received[i]?.body ?? 'null') as Record<string, unknown>;
const firstIssue = (
  result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } | undefined,
) => {
  const issue = result?.error?.issues[0];
  return issue ? `${issue.path.join('.')}: ${issue.message}` : undefined;
};

describe('atlassianDocument', () => {
  it('makes paragraphs of blank-line-separated text and hard breaks of single line breaks', () => {
    expect(atlassianDocument('Disk full on db-1.\nSince 02:00.\n\n\nRunbook: https://wiki/disk\n')).toEqual({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Disk full on db-1.' },
            { type: 'hardBreak' },
            { type: 'text', text: 'Since 02:00.' },
          ],
        },
        { type: 'paragraph', content: [{ type: 'text', text: 'Runbook: https://wiki/disk' }] },
      ],
    });
    expect(atlassianDocument('\n\n')).toEqual({ type: 'doc', version: 1, content: [] });
  });
});

describe('Jira create-issue (loopback server)', () => {
  const jira = () =>
    operation(
      'Jira',
      {
        jiraUrl: `${base}/`,
        auth: { type: 'UsernamePassword', spec: { username: 'bot@example.com', passwordRef: 'token' } },
      },
      { token: 'jira-canary-token' },
    );

  it('posts the fields to /rest/api/2/issue with Basic auth and returns the key and its browse URL', async () => {
    script = [
      { status: 201, body: JSON.stringify({ id: '10001', key: 'OPS-7', self: `${base}/rest/api/2/issue/10001` }) },
    ];
    const outcome = await jira().run('create-issue', {
      projectKey: 'OPS',
      summary: 'Disk full',
      description: 'db-1',
      labels: ['conduit'],
    });
    expect(outcome).toMatchObject({
      message: 'created Jira issue OPS-7 (Task) in OPS',
      details: { id: '10001', key: 'OPS-7', url: `${base}/browse/OPS-7` },
    });
    expect(received.map((r) => `${r.method} ${r.path} ${r.headers['authorization']}`)).toEqual([
      `POST /rest/api/2/issue Basic ${Buffer.from('bot@example.com:jira-canary-token').toString('base64')}`,
    ]);
    expect(sent()).toEqual({
      fields: {
        project: { key: 'OPS' },
        issuetype: { name: 'Task' },
        summary: 'Disk full',
        description: 'db-1',
        labels: ['conduit'],
      },
    });
  });

  it('sends the description as an Atlassian Document through API version 3', async () => {
    script = [{ status: 201, body: JSON.stringify({ id: '10002', key: 'OPS-8' }) }];
    await jira().run('create-issue', {
      projectKey: 'OPS',
      issueType: 'Bug',
      summary: 'Disk full',
      description: 'db-1',
      apiVersion: '3',
    });
    expect(received[0]?.path).toBe('/rest/api/3/issue');
    expect(sent()['fields']).toMatchObject({ issuetype: { name: 'Bug' }, description: atlassianDocument('db-1') });
  });

  it("reports Jira's ErrorCollection field by field, and a refused login as an authentication failure", async () => {
    script = [
      {
        status: 400,
        body: JSON.stringify({
          errorMessages: [],
          errors: { project: 'valid project is required', issuetype: 'Specify a valid issue type' },
        }),
      },
    ];
    await expect(jira().run('create-issue', { projectKey: 'NOPE', summary: 'x' })).rejects.toMatchObject({
      code: 'ISSUE_REJECTED',
      stage: 'operation',
      message:
        'Jira refused the issue in NOPE: project: valid project is required; issuetype: Specify a valid issue type',
    });
    script = [{ status: 401, body: JSON.stringify({ errorMessages: ['You are not authenticated.'], errors: {} }) }];
    const refused = await jira()
      .run('create-issue', { projectKey: 'OPS', summary: 'x' })
      .catch((e: ConnectorCheckError) => e);
    expect(refused).toMatchObject({ code: 'AUTHENTICATION_FAILED', stage: 'authentication' });
    expect((refused as Error).message).not.toContain('jira-canary-token');
  });

  it('never repeats the POST, even on a 503 a read would retry: the issue may exist already', async () => {
    script = [
      { status: 503, body: '{}' },
      { status: 201, body: JSON.stringify({ key: 'OPS-9' }) },
    ];
    await expect(jira().run('create-issue', { projectKey: 'OPS', summary: 'x' })).rejects.toMatchObject({
      code: 'UNEXPECTED_ANSWER',
    });
    expect(received).toHaveLength(1);
  });

  it('validates the input, naming the field', () => {
    expect(firstIssue(jira().input('create-issue', { projectKey: 'ops', summary: 'x' }))).toBe(
      'projectKey: a project key is upper-case letters, digits and _, e.g. OPS',
    );
    expect(firstIssue(jira().input('create-issue', { projectKey: 'OPS', summary: 'two\nlines' }))).toBe(
      'summary: Jira refuses a summary with line breaks',
    );
    expect(firstIssue(jira().input('create-issue', { projectKey: 'OPS', summary: 'x', apiVersion: '4' }))).toMatch(
      /^apiVersion: /,
    );
    expect(firstIssue(jira().input('create-issue', { projectKey: 'OPS', summary: 'x', assignee: 'me' }))).toMatch(
      /assignee/,
    );
  });
});

describe('ServiceNow create-record (loopback server)', () => {
  const serviceNow = () =>
    operation('ServiceNow', { serviceNowUrl: base, username: 'conduit', passwordRef: 'pw' }, { pw: 'snow-canary-pw' });

  it('posts the fields to the Table API, an incident by default, and returns sys_id and number', async () => {
    script = [
      {
        status: 201,
        body: JSON.stringify({ result: { sys_id: 'a1b2', number: 'INC0010002', short_description: 'Disk full' } }),
      },
    ];
    const outcome = await serviceNow().run('create-record', { fields: { short_description: 'Disk full', urgency: 2 } });
    expect(outcome).toEqual({
      message: 'created ServiceNow incident record INC0010002',
      details: { table: 'incident', sysId: 'a1b2', number: 'INC0010002', latencyMs: expect.any(Number) },
    });
    expect(received.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/now/table/incident']);
    expect(sent()).toEqual({ short_description: 'Disk full', urgency: 2 });
  });

  it("reports ServiceNow's error body, and never repeats the POST", async () => {
    script = [
      {
        status: 400,
        body: JSON.stringify({ error: { message: 'Invalid table nope', detail: null }, status: 'failure' }),
      },
    ];
    await expect(serviceNow().run('create-record', { table: 'nope', fields: { a: 'b' } })).rejects.toMatchObject({
      code: 'RECORD_REJECTED',
      message: 'ServiceNow refused the nope record (400): Invalid table nope',
    });
    script = [{ status: 502, body: 'bad gateway' }];
    await expect(serviceNow().run('create-record', { fields: { a: 'b' } })).rejects.toMatchObject({
      code: 'RECORD_REJECTED',
      message: 'ServiceNow refused the incident record (502): bad gateway',
    });
    expect(received).toHaveLength(2);
  });

  it('refuses an authentication it cannot yet perform (AD FS) before sending anything', async () => {
    const adfs = { adfsUrl: base, certificateRef: 'c', privateKeyRef: 'k', clientIdRef: 'i', resourceIdRef: 'r' };
    const refused = operation(
      'ServiceNow',
      { serviceNowUrl: base, auth: { type: 'AdfsClientCredentialsWithCertificate', spec: adfs } },
      {},
    );
    await expect(refused.run('create-record', { fields: { short_description: 'x' } })).rejects.toMatchObject({
      code: 'UNSUPPORTED_AUTH',
      message:
        "spec.auth.type: Conduit does not yet support 'AdfsClientCredentialsWithCertificate' for Jira or ServiceNow",
    });
    expect(received).toHaveLength(0);
  });

  it('validates the table and field names, and wants at least one field', () => {
    expect(firstIssue(serviceNow().input('create-record', { table: '../sys_user', fields: { a: 'b' } }))).toBe(
      'table: a table name is lower-case letters, digits and _, e.g. incident',
    );
    expect(firstIssue(serviceNow().input('create-record', { fields: {} }))).toBe(
      'fields: at least one field, e.g. short_description',
    );
    expect(firstIssue(serviceNow().input('create-record', { fields: { 'Short Description': 'x' } }))).toMatch(
      /^fields.Short Description: a field name is lower-case/,
    );
  });
});

describe('send-notification (loopback server)', () => {
  const message = { title: 'Deploy failed', text: 'payments 1.4.2 rolled back', facts: { service: 'payments' } };

  it('posts through a Slack bot to the default channel, or to the channel the input names', async () => {
    const slack = operation(
      'Slack',
      { apiUrl: base, defaultChannel: '#ops', auth: { type: 'BotToken', spec: { tokenRef: 'bot' } } },
      { bot: 'xoxb-canary' },
    );
    script = [
      { status: 200, body: '{"ok":true,"ts":"1.1"}' },
      { status: 200, body: '{"ok":true,"ts":"1.2"}' },
    ];
    await slack.run('send-notification', message);
    expect(await slack.run('send-notification', { ...message, channel: '#payments' })).toMatchObject({
      message: 'posted to Slack channel #payments',
    });
    expect(received.map((r) => [r.path, (JSON.parse(r.body) as { channel: string }).channel])).toEqual([
      ['/chat.postMessage', '#ops'],
      ['/chat.postMessage', '#payments'],
    ]);
    expect(sent()['text']).toBe('*Deploy failed*\npayments 1.4.2 rolled back\nservice: payments');
  });

  it('refuses a channel for a Slack webhook, which posts where it was created, sending nothing', async () => {
    const webhook = operation(
      'Slack',
      { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'hook' } } },
      { hook: `${base}/services/T0/B0/canary` },
    );
    await expect(webhook.run('send-notification', { ...message, channel: '#other' })).rejects.toMatchObject({
      code: 'CHANNEL_FIXED',
    });
    expect(received).toHaveLength(0);
    expect(
      firstIssue(
        operation('MsTeams', { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'hook' } } }, {}).input(
          'send-notification',
          { ...message, channel: '#x' },
        ),
      ),
    ).toMatch(/channel/);
  });

  it('triggers a PagerDuty event with info severity and a fresh dedup key unless the input gives them', async () => {
    const pagerDuty = operation('PagerDuty', { apiUrl: base, routingKeyRef: 'rk' }, { rk: 'R0UTINGKEYCANARY' });
    script = [0, 1, 2].map(() => ({ status: 202, body: '{"status":"success","message":"Event processed"}' }));
    await pagerDuty.run('send-notification', message);
    await pagerDuty.run('send-notification', message);
    await pagerDuty.run('send-notification', {
      ...message,
      severity: 'critical',
      dedupKey: 'payments-deploy',
      source: 'ci',
    });
    const events = received.map((r) => JSON.parse(r.body) as { dedup_key: string; payload: Record<string, unknown> });
    expect(events.map((e) => e.payload['severity'])).toEqual(['info', 'info', 'critical']);
    expect(events[0]?.dedup_key).toMatch(/^conduit-[0-9a-f-]{36}$/);
    expect(events[1]?.dedup_key).not.toBe(events[0]?.dedup_key);
    expect(events[2]).toMatchObject({
      dedup_key: 'payments-deploy',
      payload: { source: 'ci', custom_details: { service: 'payments' } },
    });
  });

  it('posts the message as JSON to a generic Http webhook with its auth', async () => {
    const http = operation(
      'Http',
      { url: `${base}/hooks/alerts`, method: 'POST', auth: { type: 'BearerToken', spec: { tokenRef: 'tok' } } },
      { tok: 'http-canary' },
    );
    script = [{ status: 204, body: '' }];
    expect(await http.run('send-notification', { ...message, severity: 'warning' })).toMatchObject({
      message: `POST ${base}/hooks/alerts answered 204`,
    });
    expect(received[0]?.headers['authorization']).toBe('Bearer http-canary');
    expect(sent()).toMatchObject({
      title: 'Deploy failed',
      severity: 'warning',
      source: 'conduit',
      facts: { service: 'payments' },
    });
  });

  it('validates the message, naming the field', () => {
    const teams = operation('MsTeams', { auth: { type: 'IncomingWebhook', spec: { webhookUrlRef: 'hook' } } }, {});
    expect(firstIssue(teams.input('send-notification', { text: 'no title' }))).toMatch(/^title: /);
    expect(firstIssue(teams.input('send-notification', { ...message, severity: 'fatal' }))).toMatch(/^severity: /);
  });
});
