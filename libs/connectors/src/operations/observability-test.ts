import { ConnectorCheckError, ConnectorOperations, OperationContext, secretText } from './context';
import { authenticationError, describeUrl, httpCall, parseJson, withoutSlash } from './http-client';
import { basicAuthorization } from './http-auth';

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

// ---- Datadog: GET <site>/api/v1/validate with DD-API-KEY (docs.datadoghq.com/api, "Validate API key").

export const datadogOperations: ConnectorOperations = {
  async test(ctx) {
    const spec = ctx.spec;
    const url = new URL('v1/validate', withSlash(spec['url'] as string)).toString();
    const headers = await ctx.stage('authentication', async () => {
      // Both keys must be available; the validate endpoint checks the API key only.
      secretText(ctx, spec['applicationKeyRef'] as string, 'spec.applicationKeyRef');
      return {
        accept: 'application/json',
        'dd-api-key': secretText(ctx, spec['apiKeyRef'] as string, 'spec.apiKeyRef'),
      };
    });
    const answer = await ctx.stage('connection', () => httpCall(ctx, { url, headers }));
    await ctx.stage('operation', async () => {
      // Datadog answers a wrong API key with 403, not 401.
      if (answer.status === 401 || answer.status === 403) {
        throw new ConnectorCheckError(
          'AUTHENTICATION_FAILED',
          'authentication',
          `authentication failed: API key rejected by ${describeUrl(url)} (${answer.status})`,
          "check the API key, and that the URL is your organization's Datadog site (e.g. https://api.datadoghq.eu/api/)",
        );
      }
      const body = parseJson<{ valid?: boolean }>(answer);
      if (answer.status !== 200 || body?.valid !== true) {
        throw new ConnectorCheckError(
          'NOT_DATADOG',
          'operation',
          `${describeUrl(url)} answered ${answer.status} without a Datadog key validation`,
          'is the URL the API URL of a Datadog site, ending in /api/?',
        );
      }
    });
    return {
      message: `Datadog at ${describeUrl(spec['url'] as string)} accepted the API key (${answer.latencyMs} ms); the application key is checked on first query`,
      details: { apiKeyValid: true, latencyMs: answer.latencyMs },
    };
  },
};

// ---- Splunk: GET /services/server/info?output_mode=json on the management port (REST API Reference);
// an HEC token is checked with an empty POST to /services/collector/event, which Splunk answers
// "No data" (code 5) after accepting the token, without indexing anything.

function splunkAuthorization(ctx: OperationContext): string | undefined {
  const spec = ctx.spec;
  switch ((spec['type'] as string | undefined) ?? 'UsernamePassword') {
    case 'UsernamePassword':
      return basicAuthorization(
        spec['username'] as string,
        secretText(ctx, spec['passwordRef'] as string, 'spec.passwordRef'),
      );
    case 'Bearer Token(HTTP Header)':
      return `Bearer ${secretText(ctx, spec['tokenRef'] as string, 'spec.tokenRef')}`;
    case 'HEC Token':
      return `Splunk ${secretText(ctx, spec['tokenRef'] as string, 'spec.tokenRef')}`;
    default:
      return undefined;
  }
}

export const splunkOperations: ConnectorOperations = {
  async test(ctx) {
    const spec = ctx.spec;
    const base = withoutSlash(spec['splunkUrl'] as string);
    const hec = spec['type'] === 'HEC Token';
    const authorization = await ctx.stage('authentication', async () => splunkAuthorization(ctx));
    const headers: Record<string, string> = { accept: 'application/json', ...(authorization ? { authorization } : {}) };
    if (hec) {
      const url = `${base}/services/collector/event`;
      const answer = await ctx.stage('connection', () =>
        httpCall(ctx, { url, method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '' }),
      );
      const body = parseJson<{ text?: string; code?: number }>(answer);
      await ctx.stage('operation', async () => {
        if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, 'the HEC token');
        if (body?.code !== 5 && body?.code !== 0) {
          throw new ConnectorCheckError(
            'NOT_SPLUNK_HEC',
            'operation',
            `${describeUrl(url)} answered ${answer.status} without an HTTP Event Collector response`,
            'is the URL the HTTP Event Collector (usually port 8088)?',
          );
        }
      });
      return {
        message: `Splunk HTTP Event Collector at ${describeUrl(base)} accepted the token (${answer.latencyMs} ms); no event was sent`,
        details: { latencyMs: answer.latencyMs },
      };
    }
    const url = `${base}/services/server/info?output_mode=json`;
    const answer = await ctx.stage('connection', () => httpCall(ctx, { url, headers }));
    const info = await ctx.stage('operation', async () => {
      if (answer.status === 401 || answer.status === 403)
        throw authenticationError(answer, url, authorization ? 'the credentials' : 'anonymous access');
      const body = parseJson<{ entry?: Array<{ content?: { serverName?: string; version?: string } }> }>(answer);
      const content = body?.entry?.[0]?.content;
      if (answer.status !== 200 || !content) {
        throw new ConnectorCheckError(
          'NOT_SPLUNK',
          'operation',
          `${describeUrl(url)} answered ${answer.status} without Splunk server info`,
          'is the URL the Splunk management (REST) port, usually 8089?',
        );
      }
      return content;
    });
    return {
      message: `Splunk${info.version ? ` ${info.version}` : ''} (${info.serverName ?? 'unnamed'}) at ${describeUrl(base)} answered server info in ${answer.latencyMs} ms`,
      details: { serverName: info.serverName, version: info.version, latencyMs: answer.latencyMs },
    };
  },
};

// ---- New Relic: NerdGraph `POST /graphql` with the user key in API-Key ("Introduction to NerdGraph").

export function newRelicGraphqlUrl(spec: Record<string, unknown>): string {
  if (spec['apiUrl']) return spec['apiUrl'] as string;
  const eu = /\.eu\.newrelic\.com$/i.test(new URL(spec['url'] as string).hostname);
  return eu ? 'https://api.eu.newrelic.com/graphql' : 'https://api.newrelic.com/graphql';
}

export const newRelicOperations: ConnectorOperations = {
  async test(ctx) {
    const url = newRelicGraphqlUrl(ctx.spec);
    const key = await ctx.stage('authentication', async () =>
      secretText(ctx, ctx.spec['apiKeyRef'] as string, 'spec.apiKeyRef'),
    );
    const answer = await ctx.stage('connection', () =>
      httpCall(ctx, {
        url,
        method: 'POST',
        headers: { 'api-key': key, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: '{ actor { user { name email } } }' }),
      }),
    );
    const user = await ctx.stage('operation', async () => {
      if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, 'API key');
      const body = parseJson<{
        data?: { actor?: { user?: { name?: string; email?: string } } };
        errors?: Array<{ message?: string }>;
      }>(answer);
      if (body?.errors?.length) {
        throw new ConnectorCheckError(
          'QUERY_FAILED',
          'operation',
          `NerdGraph query failed at ${describeUrl(url)}: ${body.errors[0]?.message ?? answer.status}`,
        );
      }
      const found = body?.data?.actor?.user;
      if (answer.status !== 200 || !found) {
        throw new ConnectorCheckError(
          'NOT_NERDGRAPH',
          'operation',
          `${describeUrl(url)} answered ${answer.status} without a NerdGraph response`,
          'is apiUrl the NerdGraph endpoint (https://api.newrelic.com/graphql)?',
        );
      }
      return found;
    });
    return {
      message: `New Relic NerdGraph at ${describeUrl(url)} authenticated ${user.name ?? 'the key'}${user.email ? ` (${user.email})` : ''}`,
      details: {
        user: user.name,
        email: user.email,
        accountId: ctx.spec['newRelicAccountId'],
        latencyMs: answer.latencyMs,
      },
    };
  },
};
