import { collectSecretRefs } from '../catalog';
import { expectIssue, expectValid } from './spec-testing';

const manual = {
  credential: {
    type: 'ManualConfig',
    spec: { accessKey: 'AKIAEXAMPLE', secretKeyRef: 'aws_secret_key', sessionTokenRef: 'aws_session' },
    crossAccountAccess: { crossAccountRoleArn: 'arn:aws:iam::123456789012:role/deployer', externalId: 'conduit' },
    region: 'eu-west-1',
  },
  awsSdkClientBackOffStrategyOverride: {
    type: 'EqualJitterBackoffStrategy',
    spec: { baseDelay: 100, maxBackoffTime: 2000, retryCount: 3 },
  },
  executeOnDelegate: false,
};

describe('Aws', () => {
  it('accepts access keys, the delegate identity, IRSA and OIDC', () => {
    expectValid('Aws', manual);
    expectValid('Aws', {
      credential: { type: 'InheritFromDelegate', region: 'us-east-1' },
      delegateSelectors: ['eks'],
    });
    expectValid('Aws', { credential: { type: 'Irsa' }, delegateSelectors: ['eks'] });
    expectValid('Aws', {
      credential: { type: 'OidcAuthentication', spec: { iamRoleArn: 'arn:aws:iam::123456789012:role/conduit' } },
    });
  });

  it('keeps the access key id plain and lists only references as secrets', () => {
    expect(collectSecretRefs('Aws', manual)).toEqual([
      { path: 'spec.credential.spec.secretKeyRef', ref: 'aws_secret_key' },
      { path: 'spec.credential.spec.sessionTokenRef', ref: 'aws_session' },
    ]);
  });

  it('refuses both accessKey and accessKeyRef', () => {
    const spec = {
      credential: { type: 'ManualConfig', spec: { accessKey: 'A', accessKeyRef: 'a', secretKeyRef: 's' } },
    };
    expectIssue('Aws', spec, 'spec.credential.spec.accessKeyRef', 'not both');
  });

  it('requires a delegate for credentials that live on the delegate', () => {
    expectIssue('Aws', { credential: { type: 'InheritFromDelegate' } }, 'spec.delegateSelectors', 'delegate');
    expectIssue(
      'Aws',
      { credential: { type: 'Irsa' }, delegateSelectors: ['eks'], executeOnDelegate: false },
      'spec.executeOnDelegate',
      'must not be false',
    );
  });

  it('refuses a negative back-off and an unknown strategy', () => {
    const fixed = { type: 'FixedDelayBackoffStrategy', spec: { fixedBackoff: -1, retryCount: 2 } };
    expectIssue(
      'Aws',
      { ...manual, awsSdkClientBackOffStrategyOverride: fixed },
      'spec.awsSdkClientBackOffStrategyOverride.spec.fixedBackoff',
    );
    expectIssue(
      'Aws',
      { ...manual, awsSdkClientBackOffStrategyOverride: { type: 'Exponential', spec: {} } },
      'spec.awsSdkClientBackOffStrategyOverride.type',
    );
  });
});
