import { z } from 'zod';
import {
  formatScopedRef,
  IDENTIFIER_PATTERN,
  InvalidReferenceError,
  isSecretRefSchema,
  parseConnectorRef,
  parseSecretRef,
  SECRET_REF_MARK,
  secretRef,
} from './references';

describe('secretRef()', () => {
  const schema = secretRef();

  it.each([
    'x',
    '_x',
    'harness_gitpat',
    'Docker_Hub_Pwd',
    'org.k8s_cluster_client',
    'account.gcpexample',
    `x${'y'.repeat(127)}`,
  ])('accepts %s', (reference) => {
    expect(schema.safeParse(reference).success).toBe(true);
  });

  it.each([
    ['secretRef:foo', /`secretRef:` prefix/],
    ['my secret', /no spaces/],
    ['project.x', /project references have no prefix/],
    ['', /is empty/],
    ['1abc', /must be/],
    ['account.', /must be/],
    ['org.x.y', /must be/],
    ['ORG.x', /must be/],
    ['account.1x', /must be/],
    [`x${'y'.repeat(128)}`, /at most 128/],
    ['ghp_16C7e42F292c6912E7710c838347Ae178B4a', /looks like a credential/],
    ['account.AKIAIOSFODNN7EXAMPLE', /looks like a credential/],
    ['d41d8cd98f00b204e9800998ecf8427e', /looks like a credential/],
  ])('rejects %j', (reference, message) => {
    const result = schema.safeParse(reference);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });

  it('never repeats the rejected text, which may be a pasted credential', () => {
    for (const pasted of ['ghp_abcdefSECRET value', 'secretRef:hunter2', 'hvs.CAESIJsecret']) {
      const message = schema.safeParse(pasted).error?.issues[0]?.message ?? '';
      expect(message).not.toContain('SECRET');
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('hvs.');
    }
  });

  it('marks the field in the JSON Schema and keeps the mark through describe()', () => {
    expect(z.toJSONSchema(schema)).toMatchObject({ type: 'string', [SECRET_REF_MARK]: true });
    expect(isSecretRefSchema(schema.describe('another description'))).toBe(true);
    expect(isSecretRefSchema(z.string())).toBe(false);
  });
});

describe('parseConnectorRef', () => {
  it.each([
    ['account.github_connector', { scope: 'account', identifier: 'github_connector' }],
    ['org.k8s_connector', { scope: 'org', identifier: 'k8s_connector' }],
    ['my_connector', { scope: 'project', identifier: 'my_connector' }],
  ])('reads %s', (reference, expected) => {
    expect(parseConnectorRef(reference)).toEqual(expected);
    expect(formatScopedRef(parseConnectorRef(reference))).toBe(reference);
  });

  it.each(['project.x', 'account.my-connector', 'org.', 'a b', ''])(
    'refuses %j with an error naming it',
    (reference) => {
      expect(() => parseConnectorRef(reference)).toThrow(InvalidReferenceError);
      try {
        parseConnectorRef(reference);
      } catch (error) {
        expect(error).toMatchObject({ code: 'INVALID_REFERENCE', kind: 'connector', reference });
        expect((error as Error).message).toContain(`'${reference}'`);
      }
    },
  );
});

describe('parseSecretRef', () => {
  it('uses the same scopes, and does not echo an invalid reference', () => {
    expect(parseSecretRef('org.db_password')).toEqual({ scope: 'org', identifier: 'db_password' });
    try {
      parseSecretRef('s3cr3t pasted value');
      throw new Error('expected a rejection');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidReferenceError);
      expect((error as Error).message).not.toContain('s3cr3t');
    }
  });
});

describe('IDENTIFIER_PATTERN', () => {
  it('accepts identifiers and refuses hyphens, spaces, leading digits and 129 characters', () => {
    expect(['my_k8s_cluster', '_x', 'ECR', `a${'1'.repeat(127)}`].every((id) => IDENTIFIER_PATTERN.test(id))).toBe(
      true,
    );
    expect(
      ['aws-connector', 'Harness Sample App', '1st', `a${'1'.repeat(128)}`, ''].some((id) =>
        IDENTIFIER_PATTERN.test(id),
      ),
    ).toBe(false);
  });
});
