/**
 * STAND-IN for the Jira REST API v2 (Cloud: Basic auth with email + API token; Data Center: Bearer
 * personal access token).
 *
 * Follows developer.atlassian.com/cloud/jira/platform/rest/v2 and v3: `GET /rest/api/2/myself`;
 * `POST /rest/api/{2,3}/issue` → 201 `{id,key,self}`, 400 with the ErrorCollection
 * `{"errorMessages":[],"errors":{"field":"message"}}` for missing fields, an unknown project or issue type, a
 * summary with a line break, or (v3) a description that is not an Atlassian Document; 401 without valid
 * credentials.
 */
import { randomBytes } from 'node:crypto';
import { basicCredentials, json, schemeToken, startStandIn, StandIn, StandInRequest } from './stand-in';

export interface JiraStandIn extends StandIn {
  email: string;
  apiToken: string;
  /** Data Center personal access token (Bearer). */
  personalAccessToken: string;
  projects: string[];
  /** Created issues, with the API version they were created through. */
  issues: Array<{ id: string; key: string; apiVersion: '2' | '3'; fields: Record<string, unknown> }>;
}

export async function startJira(options: { projects?: string[] } = {}): Promise<JiraStandIn> {
  const email = 'conduit-bot@example.com';
  const apiToken = `ATATT${randomBytes(16).toString('hex')}`;
  const personalAccessToken = randomBytes(24).toString('base64url');
  const projects = options.projects ?? ['OPS'];
  const issues: JiraStandIn['issues'] = [];
  const counters = new Map<string, number>();
  const issueTypes = ['Task', 'Bug', 'Story', 'Incident'];

  const identify = (request: StandInRequest): string | undefined => {
    const basic = basicCredentials(request.headers);
    if (basic) return basic.username === email && basic.password === apiToken ? email : undefined;
    return schemeToken(request.headers, 'Bearer') === personalAccessToken ? 'pat:conduit-bot' : undefined;
  };
  const unauthenticated = json(401, {
    errorMessages: ['You are not authenticated. Authentication required to perform this operation.'],
    errors: {},
  });

  const standIn = await startStandIn({
    name: 'jira',
    notFound: () => json(404, { errorMessages: ['null for uri'], errors: {} }),
    routes: [
      {
        method: 'GET',
        path: '/rest/api/2/myself',
        handle: (request) => {
          const identity = identify(request);
          if (!identity) return unauthenticated;
          return {
            ...json(200, {
              self: `${standIn.url}/rest/api/2/user?accountId=5b10a2844c20165700ede21g`,
              accountId: '5b10a2844c20165700ede21g',
              accountType: 'atlassian',
              emailAddress: email,
              displayName: 'Conduit Bot',
              active: true,
              timeZone: 'UTC',
              locale: 'en_US',
            }),
            identity,
          };
        },
      },
      ...(['2', '3'] as const).map((apiVersion) => ({
        method: 'POST',
        path: `/rest/api/${apiVersion}/issue`,
        handle: (request: StandInRequest) => {
          const identity = identify(request);
          if (!identity) return unauthenticated;
          const body = request.json() as
            | {
                fields?: {
                  project?: { key?: string };
                  summary?: string;
                  issuetype?: { name?: string };
                  description?: unknown;
                };
              }
            | undefined;
          const fields = body?.fields;
          const errors: Record<string, string> = {};
          if (!fields?.project?.key || !projects.includes(fields.project.key))
            errors['project'] = 'valid project is required';
          if (!fields?.summary) errors['summary'] = 'You must specify a summary of the issue.';
          else if (/[\r\n]/.test(fields.summary))
            errors['summary'] = 'The summary is invalid because it contains newline characters.';
          if (!fields?.issuetype?.name) errors['issuetype'] = 'valid issue type is required';
          else if (!issueTypes.includes(fields.issuetype.name)) errors['issuetype'] = 'Specify a valid issue type';
          const description = fields?.description;
          if (
            apiVersion === '3' &&
            description !== undefined &&
            (description as { type?: string } | null)?.type !== 'doc'
          )
            errors['description'] = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
          if (apiVersion === '2' && description !== undefined && typeof description !== 'string')
            errors['description'] = 'Operation value must be a string';
          if (Object.keys(errors).length > 0) return { ...json(400, { errorMessages: [], errors }), identity };
          const project = (fields as { project: { key: string } }).project.key;
          const number = (counters.get(project) ?? 0) + 1;
          counters.set(project, number);
          const id = String(10000 + issues.length);
          const key = `${project}-${number}`;
          issues.push({ id, key, apiVersion, fields: fields as Record<string, unknown> });
          return {
            ...json(201, { id, key, self: `${standIn.url}/rest/api/${apiVersion}/issue/${id}` }),
            identity,
          };
        },
      })),
    ],
  });
  return { ...standIn, email, apiToken, personalAccessToken, projects, issues };
}
