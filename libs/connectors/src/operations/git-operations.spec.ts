import { getConnectorType } from '../catalog';
import { azureRepoLocation } from './scm-test';

const readFile = () => {
  const action = getConnectorType('Git')?.operations?.actions?.['read-file'];
  if (!action) throw new Error('Git has no read-file');
  return action;
};

describe('read-file input', () => {
  it('takes a path inside the repository and a ref, HEAD by default', () => {
    expect(readFile().input.parse({ path: 'charts/app/values.yaml' })).toEqual({ path: 'charts/app/values.yaml', ref: 'HEAD' });
    expect(readFile().input.parse({ path: 'a b.txt', ref: 'refs/tags/v1.2.0' })).toMatchObject({ ref: 'refs/tags/v1.2.0' });
  });

  it.each([
    [{ path: '/etc/passwd' }, 'path'],
    [{ path: '../outside' }, 'path'],
    [{ path: 'a/../../b' }, 'path'],
    [{ path: 'README.md', ref: '--upload-pack=touch /tmp/x' }, 'ref'],
    [{ path: 'README.md', ref: 'main..dev' }, 'ref'],
    [{ path: 'README.md', extra: true }, ''],
  ])('refuses %j, naming the field', (input, field) => {
    const result = readFile().input.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.') ?? '').toBe(field);
  });
});

describe('azureRepoLocation', () => {
  it('splits organization (or server collection), project and repository out of the URL', () => {
    expect(azureRepoLocation({ url: 'https://dev.azure.com/contoso/Platform/_git/deployments', type: 'Repo' })).toEqual({ collection: 'https://dev.azure.com/contoso', project: 'Platform', repo: 'deployments' });
    expect(azureRepoLocation({ url: 'https://tfs.corp.example/tfs/Default/Web%20Team', type: 'Project', validationRepo: 'site' })).toEqual({ collection: 'https://tfs.corp.example/tfs/Default', project: 'Web Team', repo: 'site' });
  });

  it('asks for a validation repository for a Project connector', () => {
    expect(() => azureRepoLocation({ url: 'https://dev.azure.com/contoso/Platform', type: 'Project' })).toThrow(expect.objectContaining({ code: 'VALIDATION_REPO_REQUIRED' }));
  });
});
