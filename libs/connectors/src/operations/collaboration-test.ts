import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CheckOutcome, ConnectorCheckError, ConnectorOperations, OperationContext, secretText } from './context';
import {
  authenticationError,
  describeUrl,
  HttpAnswer,
  HttpCall,
  httpCall,
  parseJson,
  withoutSlash,
} from './http-client';
import { basicAuthorization, httpCredentials, usernameOf } from './http-auth';

type Spec = Record<string, unknown>;

/** The text every test message carries, so nobody mistakes it for a real notification. */
export const TEST_MESSAGE =
  'Conduit connection test: this message confirms that Conduit can post here. No action is needed.';

// ---- Webhooks: the URL is the credential, so a message names only its host and first path segment.

/** Where a webhook URL points, without the parts that make it a secret. */
export function describeWebhook(url: string): string {
  try {
    const u = new URL(url);
    const first = u.pathname.split('/').filter(Boolean)[0];
    return `${u.protocol}//${u.host}/${first ? `${first}/…` : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

/** httpCall for a secret URL: failures name the webhook's host, never its path. */
export async function webhookCall(ctx: OperationContext, call: HttpCall): Promise<HttpAnswer> {
  try {
    return await httpCall(ctx, { ...call, retry: false });
  } catch (error) {
    if (error instanceof ConnectorCheckError) {
      throw new ConnectorCheckError(
        error.code,
        error.stage,
        error.message.split(describeUrl(call.url)).join(describeWebhook(call.url)),
        error.hint,
      );
    }
    throw error;
  }
}

export function webhookRejected(answer: HttpAnswer, url: string, vendor: string): ConnectorCheckError {
  return new ConnectorCheckError(
    'AUTHENTICATION_FAILED',
    'authentication',
    `authentication failed: webhook URL rejected by ${describeWebhook(url)} (${answer.status}${answer.text && answer.text.length < 80 ? ` ${answer.text.trim()}` : ''})`,
    `the webhook was removed, disabled or mistyped; create a new one in ${vendor} and update the secret`,
  );
}

// ---- Slack: an incoming webhook gets a short, clearly marked test message; a bot token is checked with
// auth.test (api.slack.com/methods/auth.test), which posts nothing.

export const slackOperations: ConnectorOperations = {
  async test(ctx) {
    const auth = ctx.spec['auth'] as { type: string; spec: Spec };
    if (auth.type === 'IncomingWebhook') {
      const url = await ctx.stage('authentication', async () =>
        secretText(ctx, auth.spec['webhookUrlRef'] as string, 'spec.auth.spec.webhookUrlRef'),
      );
      const answer = await ctx.stage('connection', () =>
        webhookCall(ctx, {
          url,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: TEST_MESSAGE }),
        }),
      );
      await ctx.stage('operation', async () => {
        if (answer.status === 403 || answer.status === 404 || answer.status === 410)
          throw webhookRejected(answer, url, 'Slack');
        if (answer.status !== 200) {
          throw new ConnectorCheckError(
            'WEBHOOK_FAILED',
            'operation',
            `Slack webhook at ${describeWebhook(url)} refused the test message (${answer.status} ${answer.text.slice(0, 80)})`,
          );
        }
      });
      return {
        message: `Slack webhook at ${describeWebhook(url)} accepted a test message ("Conduit connection test …")`,
        details: { posted: true, latencyMs: answer.latencyMs },
      };
    }
    const url = `${withoutSlash((ctx.spec['apiUrl'] as string | undefined) ?? 'https://slack.com/api')}/auth.test`;
    const token = await ctx.stage('authentication', async () =>
      secretText(ctx, auth.spec['tokenRef'] as string, 'spec.auth.spec.tokenRef'),
    );
    const answer = await ctx.stage('connection', () =>
      httpCall(ctx, {
        url,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      }),
    );
    const body = await ctx.stage('operation', async () => {
      const parsed = parseJson<{ ok?: boolean; error?: string; team?: string; user?: string; team_id?: string }>(
        answer,
      );
      if (answer.status !== 200 || !parsed) {
        throw new ConnectorCheckError(
          'NOT_SLACK',
          'operation',
          `${describeUrl(url)} answered ${answer.status} without a Slack Web API response`,
          'is apiUrl the Slack Web API (https://slack.com/api)?',
        );
      }
      if (!parsed.ok) {
        throw new ConnectorCheckError(
          'AUTHENTICATION_FAILED',
          'authentication',
          `authentication failed: bot token rejected by ${describeUrl(url)} (${parsed.error ?? 'unknown error'})`,
          'check the bot token (xoxb-…); a reinstalled app gets a new one',
        );
      }
      return parsed;
    });
    return {
      message: `Slack API ${describeUrl(url)} authenticated ${body.user ?? 'the bot'} in team ${body.team ?? body.team_id ?? '?'}; no message was posted`,
      details: { user: body.user, team: body.team, teamId: body.team_id, latencyMs: answer.latencyMs },
    };
  },
};

// ---- Microsoft Teams: an incoming webhook (or workflow) gets a short, clearly marked MessageCard.

export const msTeamsOperations: ConnectorOperations = {
  async test(ctx) {
    const auth = ctx.spec['auth'] as { type: string; spec: Spec };
    const url = await ctx.stage('authentication', async () => {
      if (auth.type !== 'IncomingWebhook') {
        throw new ConnectorCheckError(
          'UNSUPPORTED_AUTH',
          'authentication',
          `spec.auth.type: the connection test does not yet support '${auth.type}' (Microsoft Graph)`,
          'use an incoming webhook or workflow URL to test this connector',
        );
      }
      return secretText(ctx, auth.spec['webhookUrlRef'] as string, 'spec.auth.spec.webhookUrlRef');
    });
    const card = {
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: 'Conduit connection test',
      title: 'Conduit connection test',
      text: TEST_MESSAGE,
    };
    const answer = await ctx.stage('connection', () =>
      webhookCall(ctx, {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(card),
      }),
    );
    await ctx.stage('operation', async () => {
      if (answer.status === 401 || answer.status === 403 || answer.status === 404 || answer.status === 410)
        throw webhookRejected(answer, url, 'Teams');
      if (answer.status < 200 || answer.status > 299) {
        throw new ConnectorCheckError(
          'WEBHOOK_FAILED',
          'operation',
          `Teams webhook at ${describeWebhook(url)} refused the test card (${answer.status} ${answer.text.slice(0, 80)})`,
        );
      }
    });
    return {
      message: `Teams webhook at ${describeWebhook(url)} accepted a test card ("Conduit connection test")`,
      details: { posted: true, latencyMs: answer.latencyMs },
    };
  },
};

// ---- Jira and ServiceNow: an `auth` block, or the older flat username/passwordRef.

async function ticketingAuthorization(ctx: OperationContext): Promise<string> {
  const spec = ctx.spec;
  const auth = spec['auth'] as { type: string; spec: Spec } | undefined;
  if (!auth)
    return basicAuthorization(
      usernameOf(ctx, spec, 'spec'),
      secretText(ctx, spec['passwordRef'] as string, 'spec.passwordRef'),
    );
  switch (auth.type) {
    case 'UsernamePassword':
      return basicAuthorization(
        usernameOf(ctx, auth.spec, 'spec.auth.spec'),
        secretText(ctx, auth.spec['passwordRef'] as string, 'spec.auth.spec.passwordRef'),
      );
    case 'PersonalAccessToken':
      return `Bearer ${secretText(ctx, auth.spec['patRef'] as string, 'spec.auth.spec.patRef')}`;
    case 'RefreshTokenGrantType':
      return (await httpCredentials(ctx, { type: 'OAuthRefreshToken', spec: auth.spec }, 'spec.auth')).headers[
        'authorization'
      ] as string;
    default:
      throw new ConnectorCheckError(
        'UNSUPPORTED_AUTH',
        'authentication',
        `spec.auth.type: Conduit does not yet support '${auth.type}' for Jira or ServiceNow`,
      );
  }
}

const jiraIssueInput = z
  .object({
    projectKey: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,49}$/, 'a project key is upper-case letters, digits and _, e.g. OPS'),
    issueType: z.string().min(1).max(64).default('Task'),
    summary: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^\r\n]*$/, 'Jira refuses a summary with line breaks'),
    description: z.string().max(32_000).optional(),
    labels: z
      .array(z.string().regex(/^\S{1,255}$/, 'a label is one word, without spaces'))
      .max(20)
      .optional(),
    apiVersion: z
      .enum(['2', '3'])
      .default('2')
      .meta({ description: 'Jira Cloud also serves 3 (the description as an Atlassian Document); Data Center only 2' }),
  })
  .strict();
type JiraIssueInput = z.infer<typeof jiraIssueInput>;

// Jira: GET /rest/api/2/myself (developer.atlassian.com, "Get current user").
export const jiraOperations: ConnectorOperations = {
  async test(ctx) {
    const url = `${withoutSlash(ctx.spec['jiraUrl'] as string)}/rest/api/2/myself`;
    const authorization = await ctx.stage('authentication', () => ticketingAuthorization(ctx));
    const answer = await ctx.stage('connection', () =>
      httpCall(ctx, { url, headers: { authorization, accept: 'application/json' } }),
    );
    const me = await ctx.stage('operation', async () => {
      if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, 'the credentials');
      const body = parseJson<{ displayName?: string; emailAddress?: string; name?: string; accountId?: string }>(
        answer,
      );
      if (answer.status !== 200 || !body || (!body.displayName && !body.accountId && !body.name)) {
        throw new ConnectorCheckError(
          'NOT_JIRA',
          'operation',
          `${describeUrl(url)} answered ${answer.status} without a Jira user`,
          'is the URL the Jira site root, e.g. https://mycompany.atlassian.net/?',
        );
      }
      return body;
    });
    const who = me.displayName ?? me.name ?? me.accountId;
    return {
      message: `Jira at ${describeUrl(ctx.spec['jiraUrl'] as string)} authenticated ${who}${me.emailAddress ? ` (${me.emailAddress})` : ''}`,
      details: { user: who, email: me.emailAddress, accountId: me.accountId, latencyMs: answer.latencyMs },
    };
  },
  actions: {
    'create-issue': {
      description: 'Creates an issue (POST /rest/api/{2|3}/issue) and returns its key',
      input: jiraIssueInput,
      mutating: true,
      run: (ctx, input: JiraIssueInput) => createJiraIssue(ctx, input),
    },
  },
};

/** Plain text as an Atlassian Document: blank lines part paragraphs, single line breaks stay hard breaks. */
export function atlassianDocument(text: string): Record<string, unknown> {
  const paragraphs = text
    .split(/\r?\n\s*\r?\n/)
    .map((paragraph) => paragraph.split(/\r?\n/).filter((line) => line.length > 0))
    .filter((lines) => lines.length > 0);
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((lines) => ({
      type: 'paragraph',
      content: lines.flatMap((line, i) => [...(i > 0 ? [{ type: 'hardBreak' }] : []), { type: 'text', text: line }]),
    })),
  };
}

// developer.atlassian.com, "Create issue": 201 {id, key, self}; 400 an ErrorCollection {errorMessages, errors}.
/**
 * Creates a ticket (a Jira issue, a ServiceNow record) with one POST under the connector's credentials. Not retried:
 * a POST that timed out may have created it, and a repeat would create a second one.
 */
async function postTicket(ctx: OperationContext, url: string, body: unknown) {
  const authorization = await ctx.stage('authentication', () => ticketingAuthorization(ctx));
  return ctx.stage('connection', () =>
    httpCall(ctx, {
      url,
      method: 'POST',
      headers: { authorization, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
      retry: false,
    }),
  );
}

async function createJiraIssue(ctx: OperationContext, input: JiraIssueInput): Promise<CheckOutcome> {
  const site = withoutSlash(ctx.spec['jiraUrl'] as string);
  const url = `${site}/rest/api/${input.apiVersion}/issue`;
  const fields = {
    project: { key: input.projectKey },
    issuetype: { name: input.issueType },
    summary: input.summary,
    ...(input.description !== undefined
      ? { description: input.apiVersion === '3' ? atlassianDocument(input.description) : input.description }
      : {}),
    ...(input.labels ? { labels: input.labels } : {}),
  };
  const answer = await postTicket(ctx, url, { fields });
  const created = await ctx.stage('operation', async () => {
    if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, 'the credentials');
    const body = parseJson<{ id?: string; key?: string; errorMessages?: string[]; errors?: Record<string, string> }>(
      answer,
    );
    if (answer.status === 400) {
      const reasons = [
        ...(body?.errorMessages ?? []),
        ...Object.entries(body?.errors ?? {}).map(([field, message]) => `${field}: ${message}`),
      ];
      throw new ConnectorCheckError(
        'ISSUE_REJECTED',
        'operation',
        `Jira refused the issue in ${input.projectKey}: ${reasons.join('; ') || answer.text.slice(0, 120)}`,
        'check the project key, the issue type and the fields the project requires',
      );
    }
    if (answer.status === 404) {
      throw new ConnectorCheckError(
        'NOT_JIRA',
        'operation',
        `${describeUrl(url)} answered 404`,
        input.apiVersion === '3' ? 'Jira Data Center serves only API version 2' : 'is the URL the Jira site root?',
      );
    }
    if (answer.status !== 201 || !body?.key)
      throw new ConnectorCheckError(
        'UNEXPECTED_ANSWER',
        'operation',
        `${describeUrl(url)} answered ${answer.status} without an issue key`,
      );
    return { id: body.id ?? null, key: body.key };
  });
  return {
    message: `created Jira issue ${created.key} (${input.issueType}) in ${input.projectKey}`,
    details: { ...created, url: `${site}/browse/${created.key}`, latencyMs: answer.latencyMs },
  };
}

const SERVICENOW_NAME = /^[a-z][a-z0-9_]{0,79}$/;
const serviceNowRecordInput = z
  .object({
    table: z
      .string()
      .regex(SERVICENOW_NAME, 'a table name is lower-case letters, digits and _, e.g. incident')
      .default('incident'),
    fields: z
      .record(z.string(), z.union([z.string().max(32_000), z.number(), z.boolean()]))
      // Checked here rather than by the key schema, so that the issue names the offending field.
      .superRefine((fields, issues) => {
        const names = Object.keys(fields);
        if (names.length === 0)
          issues.addIssue({ code: 'custom', message: 'at least one field, e.g. short_description' });
        if (names.length > 100) issues.addIssue({ code: 'custom', message: 'at most 100 fields' });
        for (const name of names.filter((n) => !SERVICENOW_NAME.test(n))) {
          issues.addIssue({
            code: 'custom',
            path: [name],
            message: 'a field name is lower-case letters, digits and _, e.g. short_description',
          });
        }
      }),
  })
  .strict();

// ServiceNow: GET /api/now/table/sys_user?sysparm_limit=1 (Table API).
export const serviceNowOperations: ConnectorOperations = {
  async test(ctx) {
    const url = `${withoutSlash(ctx.spec['serviceNowUrl'] as string)}/api/now/table/sys_user?sysparm_limit=1`;
    const authorization = await ctx.stage('authentication', () => ticketingAuthorization(ctx));
    const answer = await ctx.stage('connection', () =>
      httpCall(ctx, { url, headers: { authorization, accept: 'application/json' } }),
    );
    await ctx.stage('operation', async () => {
      if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, 'the credentials');
      const body = parseJson<{ result?: unknown[]; error?: { message?: string } }>(answer);
      if (answer.status !== 200 || !Array.isArray(body?.result)) {
        throw new ConnectorCheckError(
          'NOT_SERVICENOW',
          'operation',
          `${describeUrl(url)} answered ${answer.status}${body?.error?.message ? ` (${body.error.message})` : ''} without a Table API result`,
          'is the URL the instance root, e.g. https://mycompany.service-now.com?',
        );
      }
    });
    return {
      message: `ServiceNow at ${describeUrl(ctx.spec['serviceNowUrl'] as string)} authenticated and read the sys_user table in ${answer.latencyMs} ms`,
      details: { latencyMs: answer.latencyMs },
    };
  },
  actions: {
    'create-record': {
      description:
        'Creates a record in a table (Table API POST /api/now/table/{table}, e.g. an incident) and returns its sys_id and number',
      input: serviceNowRecordInput,
      mutating: true,
      run: (ctx, input: z.infer<typeof serviceNowRecordInput>) =>
        createServiceNowRecord(ctx, input.table, input.fields),
    },
  },
};

// Table API "Create a record": 201 {result: {sys_id, number, …}}; errors {error: {message, detail}, status: 'failure'}.
async function createServiceNowRecord(
  ctx: OperationContext,
  table: string,
  fields: Record<string, string | number | boolean>,
): Promise<CheckOutcome> {
  const url = `${withoutSlash(ctx.spec['serviceNowUrl'] as string)}/api/now/table/${table}`;
  const answer = await postTicket(ctx, url, fields);
  const record = await ctx.stage('operation', async () => {
    if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, 'the credentials');
    const body = parseJson<{
      result?: { sys_id?: string; number?: string };
      error?: { message?: string; detail?: string | null };
    }>(answer);
    if (answer.status !== 201 || !body?.result?.sys_id) {
      const reason = body?.error?.message
        ? `${body.error.message}${body.error.detail ? ` (${body.error.detail})` : ''}`
        : answer.text.slice(0, 120);
      throw new ConnectorCheckError(
        'RECORD_REJECTED',
        'operation',
        `ServiceNow refused the ${table} record (${answer.status}): ${reason}`,
        'check the table name and that the user may create records in it',
      );
    }
    return { sysId: body.result.sys_id, number: body.result.number ?? null };
  });
  return {
    message: `created ServiceNow ${table} record ${record.number ?? record.sysId}`,
    details: { table, ...record, latencyMs: answer.latencyMs },
  };
}

// ---- PagerDuty: a REST API token is checked with GET /abilities; a routing key alone with an Events v2
// `resolve` of a dedup key no incident has, which PagerDuty accepts (202) without paging anyone.

async function pagerDutyRestCheck(
  ctx: OperationContext,
  base: string,
): Promise<{ message: string; details: Record<string, unknown> }> {
  const url = `${base}/abilities`;
  const token = await ctx.stage('authentication', async () =>
    secretText(ctx, ctx.spec['apiTokenRef'] as string, 'spec.apiTokenRef'),
  );
  const answer = await ctx.stage('connection', () =>
    httpCall(ctx, {
      url,
      headers: { authorization: `Token token=${token}`, accept: 'application/vnd.pagerduty+json;version=2' },
    }),
  );
  const abilities = await ctx.stage('operation', async () => {
    if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, 'the REST API token');
    const body = parseJson<{ abilities?: string[] }>(answer);
    if (answer.status !== 200 || !Array.isArray(body?.abilities)) {
      throw new ConnectorCheckError(
        'NOT_PAGERDUTY',
        'operation',
        `${describeUrl(url)} answered ${answer.status} without PagerDuty abilities`,
        'is apiUrl the PagerDuty REST API (https://api.pagerduty.com)?',
      );
    }
    return body.abilities;
  });
  return {
    message: `PagerDuty REST API ${describeUrl(url)} accepted the API token; the account has ${abilities.length} abilities`,
    details: { abilities: abilities.length, latencyMs: answer.latencyMs },
  };
}

async function pagerDutyEventsCheck(
  ctx: OperationContext,
  base: string,
): Promise<{ message: string; details: Record<string, unknown> }> {
  const url = `${base}/v2/enqueue`;
  const routingKey = await ctx.stage('authentication', async () =>
    secretText(ctx, ctx.spec['routingKeyRef'] as string, 'spec.routingKeyRef'),
  );
  const dedupKey = `conduit-connection-test-${randomBytes(8).toString('hex')}`;
  const answer = await ctx.stage('connection', () =>
    httpCall(ctx, {
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey }),
    }),
  );
  await ctx.stage('operation', async () => {
    const body = parseJson<{ status?: string; message?: string; errors?: string[] }>(answer);
    if (answer.status === 400 && body?.errors?.some((e) => /routing.?key/i.test(e))) {
      throw new ConnectorCheckError(
        'AUTHENTICATION_FAILED',
        'authentication',
        `authentication failed: routing key rejected by ${describeUrl(url)} (${answer.status} ${body.errors.join('; ')})`,
        'use the Integration Key of an Events API v2 integration',
      );
    }
    if (answer.status !== 202 || body?.status !== 'success') {
      throw new ConnectorCheckError(
        'EVENT_REJECTED',
        'operation',
        `${describeUrl(url)} answered ${answer.status}: ${body?.message ?? answer.text.slice(0, 80)}`,
        'is apiUrl the PagerDuty Events API (https://events.pagerduty.com)?',
      );
    }
  });
  return {
    message: `PagerDuty Events API ${describeUrl(url)} accepted the routing key (a resolve of ${dedupKey}, which pages nobody)`,
    details: { dedupKey, latencyMs: answer.latencyMs },
  };
}

export const pagerDutyOperations: ConnectorOperations = {
  async test(ctx) {
    const override = ctx.spec['apiUrl'] ? withoutSlash(ctx.spec['apiUrl'] as string) : undefined;
    const checks: Array<{ message: string; details: Record<string, unknown> }> = [];
    if (ctx.spec['apiTokenRef']) checks.push(await pagerDutyRestCheck(ctx, override ?? 'https://api.pagerduty.com'));
    if (ctx.spec['routingKeyRef'])
      checks.push(await pagerDutyEventsCheck(ctx, override ?? 'https://events.pagerduty.com'));
    return {
      message: checks.map((c) => c.message).join('; '),
      details: Object.assign({}, ...checks.map((c) => c.details)) as Record<string, unknown>,
    };
  },
};
