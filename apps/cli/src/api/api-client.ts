import { CliError, ExitCode } from '../errors';

/** Where a call acts: `?org=&project=`; neither means the account. */
export interface ScopeSelection {
  org?: string | undefined;
  project?: string | undefined;
}

/** The body of every error the API returns. */
export interface ApiErrorBody {
  code: string;
  message: string;
  details: unknown;
  requestId: string;
}

/** A refusal by the control plane, kept whole so callers can branch on status and code. */
export class ApiFailure extends CliError {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(describeApiError(status, body), ExitCode.Failure);
  }
}

/** `details` as the API fills it for validation errors: `[{path, message}]`. */
function fieldIssues(details: unknown): Array<{ path: string; message: string }> {
  if (!Array.isArray(details)) return [];
  return details.filter((d): d is { path: string; message: string } => typeof d?.message === 'string').map((d) => ({ path: String(d.path ?? ''), message: d.message }));
}

/** An API error in plain words: the message, each field at fault, what to do for the common cases, the request id. */
export function describeApiError(status: number, body: ApiErrorBody): string {
  const lines = [`error: ${body.message}`];
  const issues = fieldIssues(body.details).filter((issue) => issue.message !== body.message || issue.path);
  for (const issue of issues) {
    const alreadyNamed = issue.path === '' || issue.message.startsWith(`${issue.path}:`);
    lines.push(`  ${alreadyNamed ? issue.message : `${issue.path}: ${issue.message}`}`);
  }
  if (status === 401) lines.push('  the API key was not accepted: run conduit login again, or check CONDUIT_API_KEY');
  if (body.code === 'STALE_VERSION') lines.push('  someone changed it meanwhile: read it again and retry');
  lines.push(`  (${body.code}, HTTP ${status}${body.requestId ? `, request id ${body.requestId}` : ''})`);
  return lines.join('\n');
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  const v = value as Partial<ApiErrorBody> | null;
  return typeof v?.code === 'string' && typeof v.message === 'string';
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  yaml?: string;
  accept?: 'application/json' | 'application/yaml' | 'text/plain' | 'text/event-stream';
  /** Aborts the call (a followed stream on Ctrl-C). */
  signal?: AbortSignal;
  /** Send the selected ?org=&project= (routes that are account-wide ignore it). */
  scoped?: boolean;
  /** Override the selected scope for this call. */
  scope?: ScopeSelection;
}

/** The REST API under /v1 with an API key; transport failures become exit code 3, refusals `ApiFailure`. */
export class ApiClient {
  constructor(
    private readonly fetchFn: typeof fetch,
    readonly url: string,
    private readonly apiKey: string,
    readonly scope: ScopeSelection,
  ) {}

  async request<T>(method: string, route: string, options: RequestOptions = {}): Promise<T> {
    const { body } = await this.send(method, route, options);
    return body as T;
  }

  /** The raw answer as text (YAML documents). */
  async text(method: string, route: string, options: RequestOptions = {}): Promise<string> {
    return (await this.send(method, route, { ...options, accept: options.accept ?? 'application/yaml' }, true)).text;
  }

  /**
   * A response whose body is read as it arrives (Server-Sent Events); a refusal is read whole and thrown as
   * `ApiFailure`, like every other call.
   */
  async stream(method: string, route: string, options: RequestOptions = {}): Promise<Response> {
    const response = await this.call(method, route, { ...options, accept: options.accept ?? 'text/event-stream' });
    if (!response.ok) this.refusal(method, route, response, this.parse(response, await response.text()));
    return response;
  }

  private async call(method: string, route: string, options: RequestOptions): Promise<Response> {
    const target = new URL(`${this.url}${route}`);
    const scope = options.scope ?? this.scope;
    const query: Record<string, string | number | boolean | undefined> = {
      ...(options.scoped === false ? {} : { org: scope.org, project: scope.project }),
      ...options.query,
    };
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') target.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { Authorization: `Bearer ${this.apiKey}`, Accept: options.accept ?? 'application/json' };
    let payload: string | undefined;
    if (options.yaml !== undefined) {
      headers['Content-Type'] = 'application/yaml';
      payload = options.yaml;
    } else if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(options.json);
    }
    try {
      return await this.fetchFn(target, { method, headers, ...(payload !== undefined ? { body: payload } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      throw unreachable(this.url, error);
    }
  }

  private parse(response: Response, text: string): unknown {
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    if (!isJson || !text) return text;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  private refusal(method: string, route: string, response: Response, body: unknown): never {
    if (isErrorBody(body)) throw new ApiFailure(response.status, body);
    throw new ApiFailure(response.status, { code: `HTTP_${response.status}`, message: `${method} ${route} answered ${response.status} ${response.statusText}`.trim(), details: null, requestId: response.headers.get('x-request-id') ?? '' });
  }

  private async send(method: string, route: string, options: RequestOptions, raw = false): Promise<{ status: number; body: unknown; text: string }> {
    const response = await this.call(method, route, options);
    const text = await response.text();
    const body = this.parse(response, text);
    if (!response.ok) this.refusal(method, route, response, body);
    if (raw) return { status: response.status, body: text, text };
    return { status: response.status, body: text === '' ? undefined : body, text };
  }
}

/** "cannot reach …" with the operating system's reason (ECONNREFUSED, ENOTFOUND …), exit code 3. */
export function unreachable(url: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return new CliError(`cannot reach the control plane at ${url}: ${reason}`, ExitCode.Unreachable);
}
