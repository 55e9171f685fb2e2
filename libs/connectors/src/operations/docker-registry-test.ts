import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConnectorCheckError, ConnectorOperations, OperationContext, secretText } from './context';
import { authenticationError, describeUrl, HttpAnswer, httpCall, parseJson } from './http-client';
import { basicAuthorization, usernameOf } from './http-auth';
import { parseWwwAuthenticate } from './www-authenticate';

type Spec = Record<string, unknown>;

/** The registry root: `dockerRegistryUrl` without a trailing `/v2/` (Harness examples include it). */
export function registryBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v2$/, '');
}

/**
 * Registry token authentication (distribution's "Token Authentication Specification"): GET the realm with
 * service (and scope), the connector's credentials as Basic, and read `token` (or `access_token`).
 */
async function bearerToken(ctx: OperationContext, params: Record<string, string>, basic: string | undefined, what: string): Promise<string> {
  const realm = params['realm'];
  if (!realm || !/^https?:\/\//i.test(realm)) throw new ConnectorCheckError('BAD_AUTH_CHALLENGE', 'authentication', `the registry's Bearer challenge names no token endpoint (realm)`);
  const url = new URL(realm);
  if (params['service']) url.searchParams.set('service', params['service']);
  if (params['scope']) url.searchParams.set('scope', params['scope']);
  const answer = await httpCall(ctx, { url: url.toString(), headers: { accept: 'application/json', ...(basic ? { authorization: basic } : {}) } });
  if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url.toString(), what);
  let token: unknown;
  try {
    const body = JSON.parse(answer.text) as { token?: unknown; access_token?: unknown };
    token = body.token ?? body.access_token;
  } catch {
    token = undefined;
  }
  if (answer.status !== 200 || typeof token !== 'string') throw new ConnectorCheckError('TOKEN_FAILED', 'authentication', `no registry token from ${describeUrl(url.toString())} (${answer.status})`);
  return token;
}

const MAX_TAG_PAGES = 20;

/** OCI and Docker manifest and index types, so a registry answers with the manifest as pushed. */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

/** A repository name as the distribution spec defines it: path components of lower-case alphanumerics and separators. */
const imageName = z
  .string()
  .max(255)
  .regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, 'must be a repository name such as team/app (lower case)');

interface RegistryCredentials {
  basic: string;
  what: string;
  who: string;
}

function registryCredentials(ctx: OperationContext): RegistryCredentials | undefined {
  const auth = (ctx.spec['auth'] as Spec | undefined) ?? { type: 'Anonymous' };
  if (auth['type'] !== 'UsernamePassword') return undefined;
  const inner = (auth['spec'] as Spec | undefined) ?? {};
  const user = usernameOf(ctx, inner, 'spec.auth.spec');
  return { basic: basicAuthorization(user, secretText(ctx, inner['passwordRef'] as string, 'spec.auth.spec.passwordRef')), what: `the password of user '${user}'`, who: `user '${user}'` };
}

/**
 * A GET that answers the registry's 401 challenge: Bearer through the token endpoint (with the scope the
 * challenge names, e.g. `repository:team/app:pull`), or Basic with the connector's credentials.
 */
async function registryGet(ctx: OperationContext, url: string, headers: Record<string, string>, credentials: RegistryCredentials | undefined, first?: HttpAnswer): Promise<{ answer: HttpAnswer; first: HttpAnswer; scheme: string }> {
  const initial = first ?? (await httpCall(ctx, { url, headers }));
  if (initial.status !== 401) return { answer: initial, first: initial, scheme: 'none' };
  const challenges = parseWwwAuthenticate(initial.headers['www-authenticate']);
  const bearer = challenges.find((c) => c.scheme === 'bearer');
  const basicChallenge = challenges.find((c) => c.scheme === 'basic');
  if (bearer) {
    const token = await bearerToken(ctx, bearer.params, credentials?.basic, credentials?.what ?? 'anonymous access');
    return { answer: await httpCall(ctx, { url, headers: { ...headers, authorization: `Bearer ${token}` } }), first: initial, scheme: 'bearer' };
  }
  if (basicChallenge && credentials) return { answer: await httpCall(ctx, { url, headers: { ...headers, authorization: credentials.basic } }), first: initial, scheme: 'basic' };
  if (!credentials) throw new ConnectorCheckError('CREDENTIALS_REQUIRED', 'authentication', `${describeUrl(url)} requires authentication (401), and the connector is Anonymous`, 'set auth to UsernamePassword');
  throw new ConnectorCheckError('UNSUPPORTED_AUTH', 'authentication', `${describeUrl(url)} asks for ${challenges.map((c) => c.scheme).join(', ') || 'an unnamed'} authentication, which this connector cannot answer`);
}

/** The Docker Registry v2 test: `GET /v2/`, answering its challenge (Basic, or Bearer through the token endpoint). */
export const dockerRegistryOperations: ConnectorOperations = {
  async test(ctx) {
    const credentials = await ctx.stage('authentication', async () => registryCredentials(ctx));
    const url = `${registryBase(ctx.spec['dockerRegistryUrl'] as string)}/v2/`;
    const headers = { accept: 'application/json' };
    const first = await ctx.stage('connection', () => httpCall(ctx, { url, headers }));
    return ctx.stage('operation', async () => {
      const { answer, scheme } = await registryGet(ctx, url, headers, credentials, first);
      if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, credentials?.what ?? 'anonymous access');
      if (answer.status === 404) throw new ConnectorCheckError('NOT_A_REGISTRY', 'operation', `${describeUrl(url)} answered 404: not a Docker Registry v2 API`, 'use the registry root, e.g. https://registry.example.com (or …/v2/)');
      if (answer.status !== 200) throw new ConnectorCheckError('UNEXPECTED_STATUS', 'operation', `${describeUrl(url)} answered ${answer.status}, expected 200`);
      const version = answer.headers['docker-distribution-api-version'];
      return {
        message: `Docker registry ${describeUrl(url)} accepted ${credentials?.who ?? 'anonymous access'} (${scheme === 'none' ? 'no challenge' : `${scheme} authentication`}) in ${first.latencyMs + (answer === first ? 0 : answer.latencyMs)} ms`,
        details: { authScheme: scheme, apiVersion: typeof version === 'string' ? version : null, latencyMs: answer.latencyMs },
      };
    });
  },
  actions: {
    'list-tags': {
      description: 'The tags of one image repository (GET /v2/<image>/tags/list, following pagination)',
      input: z.object({ image: imageName }).strict(),
      async run(ctx, input: { image: string }) {
        const credentials = registryCredentials(ctx);
        const base = registryBase(ctx.spec['dockerRegistryUrl'] as string);
        const tags: string[] = [];
        let next: string | undefined = `${base}/v2/${input.image}/tags/list?n=1000`;
        for (let page = 0; next && page < MAX_TAG_PAGES; page++) {
          const url: string = next;
          const { answer } = await registryGet(ctx, url, { accept: 'application/json' }, credentials);
          checkImageAnswer(answer, url, input.image, credentials);
          const body = parseJson<{ tags?: unknown }>(answer);
          if (Array.isArray(body?.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === 'string'));
          next = nextPage(answer, base);
        }
        return { message: `${tags.length} tags of ${input.image} at ${describeUrl(base)}`, details: { image: input.image, tags, complete: next === undefined } };
      },
    },
    'manifest-digest': {
      description: 'The digest and media type of the manifest a tag (or digest) names, as Docker-Content-Digest reports it',
      input: z.object({ image: imageName, reference: z.string().regex(/^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[0-9a-f]{64})$/, 'must be a tag or a sha256: digest') }).strict(),
      async run(ctx, input: { image: string; reference: string }) {
        const credentials = registryCredentials(ctx);
        const url = `${registryBase(ctx.spec['dockerRegistryUrl'] as string)}/v2/${input.image}/manifests/${input.reference}`;
        const { answer } = await registryGet(ctx, url, { accept: MANIFEST_TYPES.join(', ') }, credentials);
        checkImageAnswer(answer, url, input.image, credentials, input.reference);
        const computed = `sha256:${createHash('sha256').update(answer.text, 'utf8').digest('hex')}`;
        const header = answer.headers['docker-content-digest'];
        const digest = typeof header === 'string' ? header : computed;
        if (digest.startsWith('sha256:') && digest !== computed) throw new ConnectorCheckError('DIGEST_MISMATCH', 'operation', `${describeUrl(url)} reported digest ${digest}, but the manifest it sent hashes to ${computed}`);
        const mediaType = String(answer.headers['content-type'] ?? '').split(';')[0] ?? '';
        return { message: `${input.image}:${input.reference} is ${digest} (${mediaType})`, details: { image: input.image, reference: input.reference, digest, mediaType, size: Buffer.byteLength(answer.text) } };
      },
    },
  },
};

function checkImageAnswer(answer: HttpAnswer, url: string, image: string, credentials: RegistryCredentials | undefined, reference?: string): void {
  if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, credentials?.what ?? 'anonymous access');
  if (answer.status === 404) {
    const code = parseJson<{ errors?: Array<{ code?: string }> }>(answer)?.errors?.[0]?.code;
    throw new ConnectorCheckError(code === 'MANIFEST_UNKNOWN' ? 'MANIFEST_NOT_FOUND' : 'IMAGE_NOT_FOUND', 'operation', `${reference ? `${image}:${reference}` : image} not found at ${describeUrl(url)} (404${code ? ` ${code}` : ''})`);
  }
  if (answer.status !== 200) throw new ConnectorCheckError('UNEXPECTED_STATUS', 'operation', `${describeUrl(url)} answered ${answer.status}, expected 200`);
}

/** The `Link: <…>; rel="next"` of a paginated tag list, resolved against the registry. */
function nextPage(answer: HttpAnswer, base: string): string | undefined {
  const link = answer.headers['link'];
  const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(Array.isArray(link) ? link.join(', ') : (link ?? ''));
  return match ? new URL(match[1] as string, `${base}/`).toString() : undefined;
}
