/**
 * STAND-IN for the JFrog Artifactory REST API (the parts a connection test and a listing use).
 *
 * Follows jfrog.com/help "Artifactory REST APIs": `GET /artifactory/api/system/ping` → 200 `OK`
 * (text/plain); `GET /artifactory/api/repositories` → `[{key, type, packageType, url, description}]`
 * of the repositories the caller may read. Basic authentication with a password or an identity token as
 * the password; wrong credentials get 401 `{"errors":[{"status":401,"message":"Bad credentials"}]}` and a
 * Basic challenge; with anonymous access off, an anonymous caller gets 401 "Authentication is required".
 */
import { randomBytes } from 'node:crypto';
import { basicCredentials, json, Reply, startStandIn, StandIn, StandInRequest, text } from './stand-in';

export interface ArtifactoryStandIn extends StandIn {
  /** `http://127.0.0.1:port/artifactory`, what the connector's artifactoryServerUrl holds. */
  baseUrl: string;
  username: string;
  password: string;
  /** An identity token, accepted as the password of the same user. */
  identityToken: string;
}

const REPOSITORIES = [
  { key: 'docker-local', type: 'LOCAL', packageType: 'Docker', description: 'team images' },
  { key: 'helm-remote', type: 'REMOTE', packageType: 'Helm', description: 'charts proxy' },
  { key: 'libs-release', type: 'VIRTUAL', packageType: 'Maven', description: '' },
];

export async function startArtifactory(options: { anonymousAccess?: boolean } = {}): Promise<ArtifactoryStandIn> {
  const username = 'conduit-ci';
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const identityToken = `cmVmdGtu${randomBytes(24).toString('base64url')}`;
  const challenge = { 'www-authenticate': 'Basic realm="Artifactory Realm"' };
  const errors = (status: number, message: string): Reply => json(status, { errors: [{ status, message }] }, status === 401 ? challenge : {});

  /** The caller, or the reply that refuses it. */
  const caller = (request: StandInRequest): { who: string } | Reply => {
    const basic = basicCredentials(request.headers);
    if (!basic) return options.anonymousAccess ? { who: 'anonymous' } : errors(401, 'Authentication is required');
    if (basic.username === username && (basic.password === password || basic.password === identityToken)) return { who: username };
    return errors(401, 'Bad credentials');
  };
  const authenticated = (handle: (request: StandInRequest, who: string) => Reply) => (request: StandInRequest): Reply => {
    const found = caller(request);
    return 'who' in found ? { ...handle(request, found.who), identity: found.who } : found;
  };

  const standIn = await startStandIn({
    name: 'artifactory',
    notFound: () => errors(404, 'Not Found'),
    routes: [
      { method: 'GET', path: '/artifactory/api/system/ping', handle: authenticated(() => text(200, 'OK')) },
      {
        method: 'GET',
        path: '/artifactory/api/repositories',
        handle: authenticated((_request, who) =>
          json(
            200,
            (who === 'anonymous' ? REPOSITORIES.filter((r) => r.type === 'REMOTE') : REPOSITORIES).map((r) => ({ ...r, url: `${standIn.url}/artifactory/${r.key}` })),
          ),
        ),
      },
    ],
  });
  return { ...standIn, baseUrl: `${standIn.url}/artifactory`, username, password, identityToken };
}
