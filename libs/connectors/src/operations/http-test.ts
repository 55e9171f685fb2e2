import { ConnectorCheckError, ConnectorOperations, OperationContext } from './context';
import { authenticationError, describeUrl, httpCall } from './http-client';
import { httpCredentials } from './http-auth';
import { secretText } from './context';

/** The connector's own `headers`, a secret-backed value read from its secret. */
export function configuredHeaders(ctx: OperationContext): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [i, header] of ((ctx.spec['headers'] as Array<Record<string, string>> | undefined) ?? []).entries()) {
    headers[header['key'] as string] = header['encryptedValueRef'] ? secretText(ctx, header['encryptedValueRef'], `spec.headers[${i}].encryptedValueRef`) : (header['value'] as string);
  }
  return headers;
}

/** The generic HTTP connector's test: call the endpoint as configured and check the answer it expects. */
export const httpOperations: ConnectorOperations = {
  async test(ctx) {
    const spec = ctx.spec;
    const url = spec['url'] as string;
    const credentials = await ctx.stage('authentication', () => httpCredentials(ctx, spec['auth'] as Record<string, unknown> | undefined, 'spec.auth'));
    const headers = { ...credentials.headers, ...configuredHeaders(ctx) };
    const method = (spec['method'] as string | undefined) ?? 'GET';
    const answer = await ctx.stage('connection', () =>
      httpCall(ctx, { url, method, headers, ...(spec['body'] !== undefined ? { body: spec['body'] as string } : {}), ...(credentials.tls ? { tls: credentials.tls } : {}), retry: ['GET', 'HEAD', 'OPTIONS'].includes(method) }),
    );
    return ctx.stage('operation', async () => {
      const expected = spec['expectedStatus'] as number[] | undefined;
      const ok = expected ? expected.includes(answer.status) : answer.status >= 200 && answer.status < 300;
      if (!ok && (answer.status === 401 || answer.status === 403)) throw authenticationError(answer, url, 'the request');
      if (!ok) {
        throw new ConnectorCheckError('UNEXPECTED_STATUS', 'operation', `${method} ${describeUrl(url)} answered ${answer.status}, expected ${expected ? expected.join(' or ') : '2xx'}`);
      }
      const needle = spec['expectedBodyContains'] as string | undefined;
      if (needle && !answer.text.includes(needle)) {
        throw new ConnectorCheckError('UNEXPECTED_BODY', 'operation', `${method} ${describeUrl(url)} answered ${answer.status} without the expected text in its body`);
      }
      return { message: `${method} ${describeUrl(url)} answered ${answer.status} in ${answer.latencyMs} ms`, details: { status: answer.status, latencyMs: answer.latencyMs } };
    });
  },
};
