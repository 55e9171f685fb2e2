import { collectSecretRefs } from '../catalog';
import { expectIssue, expectValid } from './spec-testing';

describe('Prometheus', () => {
  const withHeaders = {
    url: 'http://prometheus.monitoring:9090/',
    headers: [
      { key: 'X-Scope-OrgID', value: 'tenant-1' },
      { key: 'Authorization', valueEncrypted: true, encryptedValueRef: 'account.prom_bearer' },
    ],
  };

  it('accepts no auth, basic auth and headers from secrets', () => {
    expectValid('Prometheus', { url: 'http://prometheus.monitoring:9090/' });
    expectValid('Prometheus', { url: 'https://prom.example.com/', username: 'reader', passwordRef: 'prom_pw' });
    expectValid('Prometheus', withHeaders);
  });

  it('indexes secret references inside the header list', () => {
    expect(collectSecretRefs('Prometheus', withHeaders)).toEqual([
      { path: 'spec.headers[1].encryptedValueRef', ref: 'account.prom_bearer' },
    ]);
  });

  it('refuses a plain Authorization header, half of basic auth and a header given twice', () => {
    expectIssue(
      'Prometheus',
      { url: 'https://p.example.com/', headers: [{ key: 'Authorization', value: 'Bearer x' }] },
      'spec.headers[0].value',
      'encryptedValueRef',
    );
    expectIssue('Prometheus', { url: 'https://p.example.com/', username: 'reader' }, 'spec.passwordRef');
    expectIssue(
      'Prometheus',
      {
        url: 'https://p.example.com/',
        headers: [
          { key: 'X-A', value: '1' },
          { key: 'x-a', value: '2' },
        ],
      },
      'spec.headers[1].key',
      'twice',
    );
  });
});
