import { z } from 'zod';
import { ConnectorCheckError, ConnectorOperations, OperationContext, secretText } from './context';
import { authenticationError, describeUrl, httpCall } from './http-client';
import { basicAuthorization } from './http-auth';

function prometheusHeaders(ctx: OperationContext): Record<string, string> {
  const spec = ctx.spec;
  const headers: Record<string, string> = {};
  if (spec['username'] && spec['passwordRef']) headers['authorization'] = basicAuthorization(spec['username'] as string, secretText(ctx, spec['passwordRef'] as string, 'spec.passwordRef'));
  for (const [i, header] of ((spec['headers'] as Array<Record<string, string>> | undefined) ?? []).entries()) {
    headers[header['key'] as string] = header['encryptedValueRef'] ? secretText(ctx, header['encryptedValueRef'], `spec.headers[${i}].encryptedValueRef`) : (header['value'] as string);
  }
  return headers;
}

/** Runs an instant query against the Prometheus HTTP API (`/api/v1/query`). */
export async function prometheusQuery(ctx: OperationContext, query: string): Promise<{ resultType: string; result: unknown[]; latencyMs: number }> {
  const base = (ctx.spec['url'] as string).replace(/\/$/, '');
  const url = `${base}/api/v1/query?query=${encodeURIComponent(query)}`;
  const answer = await httpCall(ctx, { url, headers: { accept: 'application/json', ...prometheusHeaders(ctx) } });
  if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, 'the credentials');
  let body: { status?: string; data?: { resultType: string; result: unknown[] }; error?: string };
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    throw new ConnectorCheckError('NOT_PROMETHEUS', 'operation', `${describeUrl(url)} answered ${answer.status} without a Prometheus API response`, 'is the URL the Prometheus server root?');
  }
  if (body.status !== 'success' || !body.data) {
    throw new ConnectorCheckError('QUERY_FAILED', 'operation', `query '${query}' failed at ${describeUrl(url)}: ${body.error ?? answer.status}`);
  }
  return { ...body.data, latencyMs: answer.latencyMs };
}

export const prometheusOperations: ConnectorOperations = {
  async test(ctx) {
    await ctx.stage('authentication', async () => prometheusHeaders(ctx));
    const data = await ctx.stage('connection', () => prometheusQuery(ctx, 'vector(1)'));
    const up = await ctx.stage('operation', () => prometheusQuery(ctx, 'up'));
    return {
      message: `Prometheus at ${describeUrl(ctx.spec['url'] as string)} answered queries in ${data.latencyMs} ms; 'up' has ${up.result.length} series`,
      details: { series: up.result.length, latencyMs: data.latencyMs },
    };
  },
  actions: {
    query: {
      description: 'An instant PromQL query (GET /api/v1/query): the result type and series',
      input: z.object({ query: z.string().min(1, 'must not be empty').max(8192) }).strict(),
      async run(ctx, input: { query: string }) {
        const data = await prometheusQuery(ctx, input.query);
        return { message: `'${input.query.slice(0, 100)}' returned ${data.result.length} ${data.resultType} results in ${data.latencyMs} ms`, details: data };
      },
    },
  },
};
