/**
 * STAND-IN for the Azure DevOps Services REST API 7.1: Git repositories (Azure Repos) and Artifacts feeds.
 *
 * Follows learn.microsoft.com/rest/api/azure/devops: `GET /{organization}/{project}/_apis/git/repositories/
 * {repositoryId}?api-version=7.1` → the GitRepository object, and `GET /{organization}/_apis/packaging/feeds
 * ?api-version=7.1` (on feeds.dev.azure.com in the service; here the same origin) → `{count, value}`.
 * A personal access token is the password of Basic authentication with any user name. As the service
 * does, a request without credentials gets 203 and the HTML sign-in page, a wrong token 401, an unknown
 * repository 404 with TF401019 in `{$id, innerException, message, typeName, typeKey, errorCode, eventId}`,
 * and a missing api-version 400 VssVersionOutOfRangeException-like error.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { basicCredentials, json, Reply, startStandIn, StandIn, StandInRequest, text } from './stand-in';

export interface AzureDevOpsStandIn extends StandIn {
  organization: string;
  project: string;
  repository: string;
  /** `<url>/<organization>`: what an Azure Artifacts connector's URL holds. */
  organizationUrl: string;
  pat: string;
}

const vssError = (status: number, typeKey: string, message: string): Reply =>
  json(status, { $id: '1', innerException: null, message, typeName: `Microsoft.TeamFoundation.${typeKey}, Microsoft.TeamFoundation`, typeKey, errorCode: 0, eventId: 3000 });

export async function startAzureDevOps(): Promise<AzureDevOpsStandIn> {
  const organization = 'conduit-org';
  const project = 'Platform';
  const repository = 'deployments';
  const pat = randomBytes(26).toString('base64url').toLowerCase();
  const repositoryId = randomUUID();
  const projectId = randomUUID();

  const authenticated = (handle: (request: StandInRequest) => Reply) => (request: StandInRequest): Reply => {
    const basic = basicCredentials(request.headers);
    if (!basic) return { ...text(203, '<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body></body></html>', 'text/html; charset=utf-8') };
    if (basic.password !== pat) return { ...text(401, 'Access Denied: The Personal Access Token used has expired.', 'text/plain; charset=utf-8'), headers: { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Basic realm="https://dev.azure.com/"' } };
    if (request.query.get('api-version') === null) return vssError(400, 'VssVersionNotSpecifiedException', 'No api-version was supplied for the GET request.');
    if (request.params['organization'] !== organization) return vssError(404, 'OrganizationNotFoundException', `The organization '${request.params['organization'] ?? ''}' could not be found.`);
    return { ...handle(request), identity: 'pat' };
  };

  const standIn = await startStandIn({
    name: 'azure-devops',
    notFound: () => text(404, 'Not Found', 'text/html; charset=utf-8'),
    routes: [
      {
        method: 'GET',
        path: '/{organization}/{project}/_apis/git/repositories/{repository}',
        handle: authenticated((request) => {
          if (request.params['project'] !== project || request.params['repository'] !== repository) {
            return vssError(404, 'GitRepositoryNotFoundException', `TF401019: The Git repository with name or identifier ${request.params['repository'] ?? ''} does not exist or you do not have permissions for the operation you are attempting.`);
          }
          const base = `${standIn.url}/${organization}/${project}`;
          return json(200, {
            id: repositoryId,
            name: repository,
            url: `${base}/_apis/git/repositories/${repositoryId}`,
            project: { id: projectId, name: project, state: 'wellFormed', visibility: 'private' },
            defaultBranch: 'refs/heads/main',
            size: 52311,
            remoteUrl: `${base}/_git/${repository}`,
            sshUrl: `git@ssh.dev.azure.com:v3/${organization}/${project}/${repository}`,
            webUrl: `${base}/_git/${repository}`,
            isDisabled: false,
          });
        }),
      },
      {
        method: 'GET',
        path: '/{organization}/_apis/packaging/feeds',
        handle: authenticated(() =>
          json(200, {
            count: 2,
            value: [
              { id: randomUUID(), name: 'releases', project: null, url: `${standIn.url}/${organization}/_apis/Packaging/Feeds/releases` },
              { id: randomUUID(), name: 'team-builds', project: { id: projectId, name: project }, url: `${standIn.url}/${organization}/${project}/_apis/Packaging/Feeds/team-builds` },
            ],
          }),
        ),
      },
    ],
  });
  return { ...standIn, organization, project, repository, organizationUrl: `${standIn.url}/${organization}`, pat };
}
