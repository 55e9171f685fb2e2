import { bitbucketCloudApiBase, githubApiBase, gitlabApiBase, ownerAndRepo } from './scm-test';

describe('Git provider API bases', () => {
  it('derives GitHub: api.github.com for github.com, <host>/api/v3 for Enterprise, apiUrl when set', () => {
    expect(githubApiBase({ url: 'https://github.com/conduit' })).toBe('https://api.github.com');
    expect(githubApiBase({ url: 'git@github.com:conduit/demo.git' })).toBe('https://api.github.com');
    expect(githubApiBase({ url: 'https://ghe.example.com/conduit/demo' })).toBe('https://ghe.example.com/api/v3');
    expect(githubApiBase({ url: 'https://ghe.example.com/conduit', apiUrl: 'https://api.ghe.example.com/' })).toBe('https://api.ghe.example.com');
  });

  it('derives GitLab <origin>/api/v4 and Bitbucket Cloud only for bitbucket.org', () => {
    expect(gitlabApiBase({ url: 'https://gitlab.example.com/group/sub/repo.git' })).toBe('https://gitlab.example.com/api/v4');
    expect(bitbucketCloudApiBase({ url: 'https://bitbucket.org/team' })).toBe('https://api.bitbucket.org');
    expect(bitbucketCloudApiBase({ url: 'https://bitbucket.corp.example/scm/prj/repo.git' })).toBeUndefined();
  });

  it('finds owner/repo from a Repo URL, or from an Account URL and validationRepo', () => {
    expect(ownerAndRepo({ url: 'https://github.com/conduit/demo.git', type: 'Repo' })).toEqual({ owner: 'conduit', repo: 'demo' });
    expect(ownerAndRepo({ url: 'git@github.com:conduit/demo.git', type: 'Repo' })).toEqual({ owner: 'conduit', repo: 'demo' });
    expect(ownerAndRepo({ url: 'https://github.com/conduit', type: 'Account', validationRepo: 'demo' })).toEqual({ owner: 'conduit', repo: 'demo' });
    expect(ownerAndRepo({ url: 'https://github.com/conduit', type: 'Account', validationRepo: 'other/demo' })).toEqual({ owner: 'other', repo: 'demo' });
    expect(() => ownerAndRepo({ url: 'https://github.com/conduit', type: 'Account' })).toThrow('spec.validationRepo');
  });
});
