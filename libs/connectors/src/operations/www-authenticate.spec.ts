import { parseWwwAuthenticate } from './www-authenticate';

describe('WWW-Authenticate', () => {
  it('reads a registry Bearer challenge with realm, service and scope', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' } },
    ]);
  });

  it('reads Basic, several challenges, unquoted and escaped values, and repeated headers', () => {
    expect(parseWwwAuthenticate('Basic realm="Registry \\"Realm\\""')).toEqual([{ scheme: 'basic', params: { realm: 'Registry "Realm"' } }]);
    expect(parseWwwAuthenticate('Basic realm="a", Bearer realm=https://t/token, service=reg')).toEqual([
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'bearer', params: { realm: 'https://t/token', service: 'reg' } },
    ]);
    expect(parseWwwAuthenticate(['Negotiate', 'Basic realm="x"']).map((c) => c.scheme)).toEqual(['negotiate', 'basic']);
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
  });
});
