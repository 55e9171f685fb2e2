/**
 * STAND-IN for the Sonatype Nexus Repository REST APIs, version 3 and version 2.
 *
 * Nexus 3 follows help.sonatype.com "REST and Integration API": `GET /service/rest/v1/status` → 200
 * with an empty body (no authentication; the `Server: Nexus/3.x (OSS)` header names the version) and
 * `GET /service/rest/v1/repositories` → `[{name, format, type, url, attributes}]`. Nexus 2 follows its
 * core REST API: `GET /service/local/status` → `{"data":{"appName":…,"version":…}}` and
 * `GET /service/local/repositories` → `{"data":[{id, name, repoType, format, …}]}`. Wrong credentials get
 * 401 with an empty body and `WWW-Authenticate: BASIC realm="Sonatype Nexus Repository Manager"`; with
 * anonymous access off, so does a caller without credentials.
 */
import { randomBytes } from 'node:crypto';
import { basicCredentials, json, Reply, startStandIn, StandIn, StandInRequest } from './stand-in';

export interface NexusStandIn extends StandIn {
  version: '2.x' | '3.x';
  username: string;
  password: string;
}

const REPOSITORIES = [
  { name: 'docker-hosted', format: 'docker', type: 'hosted' },
  { name: 'maven-central', format: 'maven2', type: 'proxy' },
  { name: 'npm-all', format: 'npm', type: 'group' },
];

export async function startNexus(options: { version?: '2.x' | '3.x'; anonymousAccess?: boolean } = {}): Promise<NexusStandIn> {
  const version = options.version ?? '3.x';
  const username = 'conduit-ci';
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const server = version === '3.x' ? 'Nexus/3.68.1-02 (OSS)' : 'Nexus/2.15.1-02';
  const unauthorized: Reply = { status: 401, body: '', headers: { 'www-authenticate': 'BASIC realm="Sonatype Nexus Repository Manager"', server } };

  const authenticated = (handle: (request: StandInRequest) => Reply) => (request: StandInRequest): Reply => {
    const basic = basicCredentials(request.headers);
    if (!basic && options.anonymousAccess) return { ...handle(request), identity: 'anonymous' };
    if (basic?.username !== username || basic.password !== password) return unauthorized;
    return { ...handle(request), identity: username };
  };
  const withServer = (reply: Reply): Reply => ({ ...reply, headers: { ...reply.headers, server } });

  const routes =
    version === '3.x'
      ? [
          { method: 'GET', path: '/service/rest/v1/status', handle: () => withServer({ status: 200, body: '' }) },
          {
            method: 'GET',
            path: '/service/rest/v1/repositories',
            handle: authenticated(() => withServer(json(200, REPOSITORIES.map((r) => ({ ...r, url: `${standIn.url}/repository/${r.name}`, attributes: {} }))))),
          },
        ]
      : [
          { method: 'GET', path: '/service/local/status', handle: () => withServer(json(200, { data: { appName: 'Nexus Repository Manager', formattedAppName: 'Nexus Repository Manager OSS 2.15.1-02', version: '2.15.1-02', edition: 'OSS', state: 'STARTED' } })) },
          {
            method: 'GET',
            path: '/service/local/repositories',
            handle: authenticated(() =>
              withServer(json(200, { data: REPOSITORIES.map((r) => ({ id: r.name, name: r.name, repoType: r.type, format: r.format, resourceURI: `${standIn.url}/service/local/repositories/${r.name}` })) })),
            ),
          },
        ];
  const standIn = await startStandIn({ name: `nexus-${version}`, notFound: () => withServer({ status: 404, body: '' }), routes });
  return { ...standIn, version, username, password };
}
