import { expectIssue, expectValid } from './spec-testing';

const url = 'https://splunk.example.com:8089';

describe('Splunk', () => {
  it('accepts the untyped (username/password) form and each token kind', () => {
    expectValid('Splunk', { splunkUrl: url, username: 'admin', passwordRef: 'splunk_pw' });
    expectValid('Splunk', { splunkUrl: url, type: 'Bearer Token(HTTP Header)', tokenRef: 'splunk_token' });
    expectValid('Splunk', { splunkUrl: url, type: 'HEC Token', tokenRef: 'splunk_hec' });
    expectValid('Splunk', { splunkUrl: url, type: 'Anonymous' });
  });

  it('refuses fields of another auth type', () => {
    expectIssue('Splunk', { splunkUrl: url, type: 'HEC Token' }, 'spec.tokenRef', 'is required for HEC Token');
    expectIssue('Splunk', { splunkUrl: url, type: 'Anonymous', passwordRef: 'p' }, 'spec.passwordRef', 'not used');
  });
});
