import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CheckOutcome, ConnectorCheckError, ConnectorOperations, OperationContext, secretText } from './context';
import { authenticationError, describeUrl, HttpAnswer, httpCall, parseJson, withoutSlash } from './http-client';
import { basicAuthorization, httpCredentials, usernameOf } from './http-auth';

// Connection tests and listings of the artifact repositories other than Docker registries: JFrog
// Artifactory, Sonatype Nexus 2 and 3, Azure Artifacts feeds and plain HTTP Helm chart repositories.
// Each reads one documented endpoint with the connector's credentials; a listing is the same read, kept.

type Spec = Record<string, unknown>;

/** The `auth` block ({type: Anonymous|UsernamePassword}) as request headers, and who it names. */
async function registryCredentials(ctx: OperationContext): Promise<{ headers: Record<string, string>; what: string }> {
  const auth = ctx.spec['auth'] as Spec | undefined;
  const { headers } = await httpCredentials(ctx, auth, 'spec.auth');
  const user = auth?.['type'] === 'UsernamePassword' ? usernameOf(ctx, (auth['spec'] as Spec | undefined) ?? {}, 'spec.auth.spec') : undefined;
  return { headers, what: user !== undefined ? `the password of user '${user}'` : 'anonymous access' };
}

/** A GET whose 401/403 is the credentials' fault and whose other non-200 answers are not what was expected. */
async function read(ctx: OperationContext, url: string, headers: Record<string, string>, what: string, notFound: { code: string; hint: string }): Promise<HttpAnswer> {
  const answer = await httpCall(ctx, { url, headers: { accept: 'application/json', ...headers } });
  if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, what);
  if (answer.status === 404) throw new ConnectorCheckError(notFound.code, 'operation', `${describeUrl(url)} answered 404`, notFound.hint);
  if (answer.status !== 200) throw new ConnectorCheckError('UNEXPECTED_STATUS', 'operation', `${describeUrl(url)} answered ${answer.status}, expected 200`);
  return answer;
}

function jsonArray<T>(answer: HttpAnswer, url: string, product: string): T[] {
  const body = parseJson<unknown>(answer);
  if (!Array.isArray(body)) throw new ConnectorCheckError('UNEXPECTED_ANSWER', 'operation', `${describeUrl(url)} answered without a ${product} repository list`, `is the URL the ${product} server root?`);
  return body as T[];
}

const noInput = z.object({}).strict();

// ---- Artifactory ---------------------------------------------------------------------------------------

interface ArtifactoryRepository {
  key: string;
  type: string;
  packageType?: string;
  url?: string;
}

const artifactoryBase = (ctx: OperationContext) => withoutSlash(ctx.spec['artifactoryServerUrl'] as string);
const ARTIFACTORY_NOT_FOUND = { code: 'NOT_ARTIFACTORY', hint: 'use the Artifactory base URL, e.g. https://mycompany.jfrog.io/artifactory' };

async function artifactoryRepositories(ctx: OperationContext, credentials: { headers: Record<string, string>; what: string }) {
  const url = `${artifactoryBase(ctx)}/api/repositories`;
  const answer = await read(ctx, url, credentials.headers, credentials.what, ARTIFACTORY_NOT_FOUND);
  return { repositories: jsonArray<ArtifactoryRepository>(answer, url, 'Artifactory'), latencyMs: answer.latencyMs };
}

/** Artifactory: `GET /api/system/ping` (any valid user, anonymous included), then the repositories visible to the user. */
export const artifactoryOperations: ConnectorOperations = {
  async test(ctx) {
    const credentials = await ctx.stage('authentication', () => registryCredentials(ctx));
    const ping = await ctx.stage('connection', () => read(ctx, `${artifactoryBase(ctx)}/api/system/ping`, credentials.headers, credentials.what, ARTIFACTORY_NOT_FOUND));
    return ctx.stage('operation', async () => {
      const { repositories } = await artifactoryRepositories(ctx, credentials);
      return {
        message: `Artifactory at ${describeUrl(artifactoryBase(ctx))} accepted ${credentials.what} (ping ${ping.text.trim().slice(0, 16)} in ${ping.latencyMs} ms); ${repositories.length} repositories visible`,
        details: { repositories: repositories.length, latencyMs: ping.latencyMs },
      };
    });
  },
  actions: {
    'list-repositories': {
      description: 'The repositories visible to the connector (GET /api/repositories)',
      input: noInput,
      async run(ctx) {
        const { repositories, latencyMs } = await artifactoryRepositories(ctx, await registryCredentials(ctx));
        return {
          message: `${repositories.length} repositories at ${describeUrl(artifactoryBase(ctx))}`,
          details: { repositories: repositories.map((r) => ({ key: r.key, type: r.type, packageType: r.packageType ?? null })), latencyMs },
        };
      },
    },
  },
};

// ---- Nexus ---------------------------------------------------------------------------------------------

const nexusBase = (ctx: OperationContext) => withoutSlash(ctx.spec['nexusServerUrl'] as string);
const NEXUS_NOT_FOUND = { code: 'NOT_NEXUS', hint: 'use the Nexus server root (e.g. https://nexus.example.com), and check the version' };

/** Nexus 3's REST API (`/service/rest/v1/…`) or Nexus 2's (`/service/local/…`, data wrapped in `{data: …}`). */
async function nexusRepositories(ctx: OperationContext, credentials: { headers: Record<string, string>; what: string }) {
  const v3 = ctx.spec['version'] === '3.x';
  const url = `${nexusBase(ctx)}${v3 ? '/service/rest/v1/repositories' : '/service/local/repositories'}`;
  const answer = await read(ctx, url, credentials.headers, credentials.what, NEXUS_NOT_FOUND);
  if (v3) {
    const repositories = jsonArray<{ name: string; format: string; type: string }>(answer, url, 'Nexus');
    return { repositories: repositories.map((r) => ({ name: r.name, format: r.format, type: r.type })), latencyMs: answer.latencyMs };
  }
  const data = parseJson<{ data?: Array<{ id: string; format?: string; repoType?: string }> }>(answer)?.data;
  if (!Array.isArray(data)) throw new ConnectorCheckError('UNEXPECTED_ANSWER', 'operation', `${describeUrl(url)} answered without a Nexus 2 repository list`, 'check the version: Nexus 3 serves /service/rest/v1');
  return { repositories: data.map((r) => ({ name: r.id, format: r.format ?? null, type: r.repoType ?? null })), latencyMs: answer.latencyMs };
}

/** Nexus: the status endpoint (reachable, which version answers), then the repositories the user may browse. */
export const nexusOperations: ConnectorOperations = {
  async test(ctx) {
    const credentials = await ctx.stage('authentication', () => registryCredentials(ctx));
    const v3 = ctx.spec['version'] === '3.x';
    const statusUrl = `${nexusBase(ctx)}${v3 ? '/service/rest/v1/status' : '/service/local/status'}`;
    const status = await ctx.stage('connection', () => read(ctx, statusUrl, credentials.headers, credentials.what, NEXUS_NOT_FOUND));
    return ctx.stage('operation', async () => {
      const { repositories } = await nexusRepositories(ctx, credentials);
      const version = v3 ? status.headers['server'] : parseJson<{ data?: { version?: string } }>(status)?.data?.version;
      return {
        message: `Nexus ${ctx.spec['version'] as string} at ${describeUrl(nexusBase(ctx))} accepted ${credentials.what} in ${status.latencyMs} ms; ${repositories.length} repositories visible`,
        details: { repositories: repositories.length, server: typeof version === 'string' ? version : null, latencyMs: status.latencyMs },
      };
    });
  },
  actions: {
    'list-repositories': {
      description: 'The repositories the connector may browse (Nexus 3: /service/rest/v1/repositories; 2: /service/local/repositories)',
      input: noInput,
      async run(ctx) {
        const { repositories, latencyMs } = await nexusRepositories(ctx, await registryCredentials(ctx));
        return { message: `${repositories.length} repositories at ${describeUrl(nexusBase(ctx))}`, details: { repositories, latencyMs } };
      },
    },
  },
};

// ---- Azure Artifacts -----------------------------------------------------------------------------------

/**
 * The feeds API lives on its own host for Azure DevOps Services (feeds.dev.azure.com/<org>,
 * <org>.feeds.visualstudio.com); Azure DevOps Server serves it under the collection URL itself.
 */
export function azureFeedsBase(url: string): string {
  const u = new URL(withoutSlash(url));
  if (u.hostname.toLowerCase() === 'dev.azure.com') u.hostname = 'feeds.dev.azure.com';
  else if (/^[^.]+\.visualstudio\.com$/i.test(u.hostname)) u.hostname = u.hostname.replace(/\.visualstudio\.com$/i, '.feeds.visualstudio.com');
  return withoutSlash(u.toString());
}

async function azureFeeds(ctx: OperationContext) {
  const inner = ((ctx.spec['auth'] as Spec)['spec'] as Spec)['spec'] as Spec;
  // A personal access token goes as the password of Basic authentication, with an empty user name.
  const headers = { authorization: basicAuthorization('', secretText(ctx, inner['tokenRef'] as string, 'spec.auth.spec.spec.tokenRef')) };
  const url = `${azureFeedsBase(ctx.spec['azureArtifactsUrl'] as string)}/_apis/packaging/feeds?api-version=7.1`;
  const answer = await httpCall(ctx, { url, headers: { accept: 'application/json', ...headers } });
  // Azure DevOps answers an unauthenticated API call with 203 and its sign-in page, not 401.
  if (answer.status === 203) throw new ConnectorCheckError('AUTHENTICATION_FAILED', 'authentication', `authentication failed: the personal access token rejected by ${describeUrl(url)} (203 sign-in page)`, 'check the personal access token the connector refers to');
  if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, 'the personal access token');
  const body = parseJson<{ value?: Array<{ id: string; name: string; project?: { name?: string } | null }> }>(answer);
  if (answer.status === 404) throw new ConnectorCheckError('ORGANIZATION_NOT_FOUND', 'operation', `${describeUrl(url)} answered 404`, 'use the organization URL, e.g. https://dev.azure.com/<organization>');
  if (answer.status !== 200 || !Array.isArray(body?.value)) throw new ConnectorCheckError('UNEXPECTED_STATUS', 'operation', `${describeUrl(url)} answered ${answer.status}, expected 200 with a feed list`);
  return { url, feeds: body.value.map((f) => ({ id: f.id, name: f.name, project: f.project?.name ?? null })), latencyMs: answer.latencyMs };
}

export const azureArtifactsOperations: ConnectorOperations = {
  async test(ctx) {
    await ctx.stage('authentication', async () => secretText(ctx, (((ctx.spec['auth'] as Spec)['spec'] as Spec)['spec'] as Spec)['tokenRef'] as string, 'spec.auth.spec.spec.tokenRef'));
    const { url, feeds, latencyMs } = await ctx.stage('connection', () => azureFeeds(ctx));
    return ctx.stage('operation', async () => ({
      message: `Azure Artifacts at ${describeUrl(url)} accepted the personal access token in ${latencyMs} ms; ${feeds.length} feeds visible`,
      details: { feeds: feeds.length, latencyMs },
    }));
  },
  actions: {
    'list-feeds': {
      description: 'The feeds of the organization visible to the token (GET _apis/packaging/feeds)',
      input: noInput,
      async run(ctx) {
        const { url, feeds, latencyMs } = await azureFeeds(ctx);
        return { message: `${feeds.length} feeds at ${describeUrl(url)}`, details: { feeds, latencyMs } };
      },
    },
  },
};

// ---- HTTP Helm repository ------------------------------------------------------------------------------

interface HelmIndex {
  charts: Array<{ name: string; versions: Array<{ version: string; appVersion: string | null; digest: string | null }> }>;
  generated: string | null;
  latencyMs: number;
  url: string;
}

const HELM_VERSION = z.object({ version: z.string(), appVersion: z.unknown().optional(), digest: z.string().optional() }).loose();
const HELM_INDEX = z.object({ apiVersion: z.literal('v1'), entries: z.record(z.string(), z.array(HELM_VERSION)).nullable().optional(), generated: z.unknown().optional() }).loose();

/** The repository's index.yaml (Helm's chart repository guide), charts and their versions as listed there. */
async function helmIndex(ctx: OperationContext, credentials: { headers: Record<string, string>; what: string }): Promise<HelmIndex> {
  const url = `${withoutSlash(ctx.spec['helmRepoUrl'] as string)}/index.yaml`;
  const answer = await httpCall(ctx, { url, headers: { accept: 'application/x-yaml, text/yaml, */*', ...credentials.headers } });
  if (answer.status === 401 || answer.status === 403) throw authenticationError(answer, url, credentials.what);
  if (answer.status === 404) throw new ConnectorCheckError('INDEX_NOT_FOUND', 'operation', `${describeUrl(url)} answered 404: no chart repository index there`, 'use the folder holding index.yaml (what `helm repo add` takes)');
  if (answer.status !== 200) throw new ConnectorCheckError('UNEXPECTED_STATUS', 'operation', `${describeUrl(url)} answered ${answer.status}, expected 200`);
  let document: unknown;
  try {
    document = parseYaml(answer.text, { maxAliasCount: 100 });
  } catch {
    document = undefined;
  }
  const index = HELM_INDEX.safeParse(document);
  if (!index.success) throw new ConnectorCheckError('NOT_A_HELM_INDEX', 'operation', `${describeUrl(url)} is not a Helm repository index (apiVersion v1 with entries)`);
  const charts = Object.entries(index.data.entries ?? {}).map(([name, versions]) => ({
    name,
    versions: versions.map((v) => ({ version: v.version, appVersion: typeof v.appVersion === 'string' ? v.appVersion : null, digest: v.digest ?? null })),
  }));
  const generated = index.data.generated;
  return { charts, generated: generated instanceof Date ? generated.toISOString() : typeof generated === 'string' ? generated : null, latencyMs: answer.latencyMs, url };
}

export const httpHelmRepoOperations: ConnectorOperations = {
  async test(ctx): Promise<CheckOutcome> {
    const credentials = await ctx.stage('authentication', () => registryCredentials(ctx));
    const index = await ctx.stage('connection', () => helmIndex(ctx, credentials));
    return ctx.stage('operation', async () => ({
      message: `Helm repository ${describeUrl(index.url)} accepted ${credentials.what}: ${index.charts.length} charts, ${index.charts.reduce((n, c) => n + c.versions.length, 0)} versions (${index.latencyMs} ms)`,
      details: { charts: index.charts.length, generated: index.generated, latencyMs: index.latencyMs },
    }));
  },
  actions: {
    'list-charts': {
      description: 'Charts and versions listed in index.yaml; `chart` narrows to one chart',
      input: z.object({ chart: z.string().min(1).max(253).optional() }).strict(),
      async run(ctx, input: { chart?: string | undefined }) {
        const index = await helmIndex(ctx, await registryCredentials(ctx));
        const charts = input.chart === undefined ? index.charts : index.charts.filter((c) => c.name === input.chart);
        if (input.chart !== undefined && charts.length === 0) throw new ConnectorCheckError('CHART_NOT_FOUND', 'operation', `chart '${input.chart}' is not in ${describeUrl(index.url)}`);
        return { message: `${charts.length} charts in ${describeUrl(index.url)}`, details: { charts, generated: index.generated, latencyMs: index.latencyMs } };
      },
    },
  },
};
