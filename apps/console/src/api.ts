/**
 * The control plane's /v1 API from the browser: same origin, `Authorization: Bearer <API key>`.
 * The key lives in sessionStorage only (gone when the tab closes), never in a URL or localStorage.
 */
import { createParser } from 'eventsource-parser';

const KEY = 'conduit.apiKey';
const SCOPE = 'conduit.scope';

/** Where lists and creates happen: the account, an organization, or a project of one. */
export interface Scope {
  org?: string;
  project?: string;
}

/** The API's error body: a code, a message naming the field at fault, and per-field details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Array<{ path?: string; message: string }> = [],
  ) {
    super(message);
  }
}

export const session = {
  apiKey: () => sessionStorage.getItem(KEY),
  signIn: (apiKey: string) => sessionStorage.setItem(KEY, apiKey),
  signOut: () => {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(SCOPE);
  },
  scope: (): Scope => {
    try {
      const parsed = JSON.parse(sessionStorage.getItem(SCOPE) ?? '{}') as Scope;
      return {
        ...(parsed.org ? { org: parsed.org } : {}),
        ...(parsed.org && parsed.project ? { project: parsed.project } : {}),
      };
    } catch {
      return {};
    }
  },
  setScope: (scope: Scope) => sessionStorage.setItem(SCOPE, JSON.stringify(scope)),
};

export function scopeQuery(scope: Scope, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ org: scope.org, project: scope.project, ...extra })) if (v) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function describeScope(scope: Scope): string {
  return scope.project ? `project ${scope.org}/${scope.project}` : scope.org ? `organization ${scope.org}` : 'account';
}

type Body = { json: unknown } | { yaml: string };

async function send(method: string, path: string, body?: Body, apiKey = session.apiKey()): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (apiKey) headers['Authorization'] = `Bearer ${apiKey}`;
  let payload: string | undefined;
  if (body && 'json' in body) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body.json);
  } else if (body) {
    headers['Content-Type'] = 'application/yaml';
    payload = body.yaml;
  }
  const response = await fetch(path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  if (response.status === 401 && apiKey === session.apiKey()) {
    session.signOut();
    location.hash = '#/login';
  }
  if (!response.ok) {
    const error = (await response.json().catch(() => ({}))) as {
      code?: string;
      message?: string;
      details?: ApiError['details'];
    };
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? response.statusText,
      Array.isArray(error.details) ? error.details : [],
    );
  }
  return response;
}

export async function api<T>(method: string, path: string, body?: Body): Promise<T> {
  const response = await send(method, path, body);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** Checks a key before keeping it: the organizations list is readable by every principal. */
export async function verifyApiKey(apiKey: string): Promise<void> {
  await send('GET', '/v1/organizations', undefined, apiKey);
}

/** Follows a Server-Sent Events endpoint (fetch, because EventSource cannot send the Authorization header). */
export async function followEvents(
  path: string,
  onEvent: (event: string, data: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  const apiKey = session.apiKey();
  if (apiKey) headers['Authorization'] = `Bearer ${apiKey}`;
  const response = await fetch(path, { headers, signal });
  if (!response.ok || !response.body)
    throw new ApiError(response.status, `HTTP_${response.status}`, 'the log stream could not be opened');
  const parser = createParser({ onEvent: (e) => onEvent(e.event ?? 'message', e.data) });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser.feed(value);
  }
}
