import { collectSecretRefs, getConnectorType } from '../catalog';
import { expectIssue, expectValid } from './spec-testing';

const manual = {
  credential: { type: 'ManualConfig', spec: { accessKey: 'aws_access_key_id', secretKey: 'aws_secret_key' } },
  region: 'us-east-1',
  secretNamePrefix: 'conduit/',
};

describe('AwsSecretManager', () => {
  it('accepts keys, the delegate role and an STS role', () => {
    expectValid('AwsSecretManager', manual);
    expectValid('AwsSecretManager', {
      credential: { type: 'AssumeIAMRole' },
      region: 'us-east-1',
      delegateSelectors: ['aws'],
    });
    expectValid('AwsSecretManager', {
      credential: {
        type: 'AssumeSTSRole',
        spec: { roleArn: 'arn:aws:iam::123456789012:role/secrets', externalName: 'x', assumeStsRoleDuration: 3600 },
      },
      region: 'us-east-1',
      delegateSelectors: ['aws'],
    });
  });

  it('treats both keys as secret references, as Harness does here', () => {
    expect(collectSecretRefs('AwsSecretManager', manual)).toEqual([
      { path: 'spec.credential.spec.accessKey', ref: 'aws_access_key_id' },
      { path: 'spec.credential.spec.secretKey', ref: 'aws_secret_key' },
    ]);
    expectIssue(
      'AwsSecretManager',
      { ...manual, credential: { type: 'ManualConfig', spec: { accessKey: 'AKIA/EXAMPLE', secretKey: 'k' } } },
      'spec.credential.spec.accessKey',
    );
  });

  it('requires a region', () => {
    expectIssue('AwsSecretManager', { credential: manual.credential }, 'spec.region', 'is required');
  });

  it('takes an endpoint override (VPC endpoint), which must be an http(s) URL, and has a connection test', () => {
    expectValid('AwsSecretManager', { ...manual, endpoint: 'https://vpce-0abc.secretsmanager.us-east-1.vpce.amazonaws.com' });
    expectIssue('AwsSecretManager', { ...manual, endpoint: 'secretsmanager.local' }, 'spec.endpoint');
    expect(getConnectorType('AwsSecretManager')?.operations?.readSecret).toBeInstanceOf(Function);
  });
});
