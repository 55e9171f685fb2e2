import { z } from 'zod';
import { httpUrl, requireOneOf, text } from './fields';
import { secretRef } from './references';

// Credential blocks shared by the connector types, under Harness's field names. Where Harness accepts a
// plain value or a secret reference for the same thing (username / usernameRef), both are kept and exactly
// one is required; the plain one is not treated as a secret.

export const usernameFields = {
  username: text('User name (not secret)').optional(),
  usernameRef: secretRef('Reference to a secret holding the user name').optional(),
};

export const usernamePasswordSpec = z
  .object({ ...usernameFields, passwordRef: secretRef('Reference to the password') })
  .superRefine((spec, ctx) => requireOneOf(spec, ctx, 'username', 'usernameRef'));

export const usernameTokenSpec = z
  .object({ ...usernameFields, tokenRef: secretRef('Reference to the personal access token') })
  .superRefine((spec, ctx) => requireOneOf(spec, ctx, 'username', 'usernameRef'));

export const tokenSpec = z.object({ tokenRef: secretRef('Reference to the access token') });

/** An OpenSSH SHA-256 host key fingerprint, as `ssh-keygen -lf` prints it. */
export const SSH_FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

// The server's host key is pinned, not trusted on first use: a connection test with no fingerprint fails and
// reports the one the server presented, for an administrator to verify and add.
export const sshKeySpec = z.object({
  sshKeyRef: secretRef('Reference to an SSH private key secret'),
  knownHostFingerprints: z
    .array(z.string().regex(SSH_FINGERPRINT_PATTERN, { error: 'must be an SSH host key fingerprint: SHA256:<43 base64 characters>' }))
    .max(16)
    .optional()
    .meta({ description: "The server's host key fingerprints (SHA256:…, as ssh-keygen -lf prints them); connections to other keys are refused" }),
});

export const anonymousAuth = z.object({ type: z.literal('Anonymous') });

export const usernamePasswordAuth = z.object({ type: z.literal('UsernamePassword'), spec: usernamePasswordSpec });

/** Harness's `auth` block of registries and repositories (Docker, Artifactory, Nexus, Helm). */
export const registryAuth = z.discriminatedUnion('type', [anonymousAuth, usernamePasswordAuth]);

/** Mutual TLS: the client certificate and key, and optionally the CA that signed the server's certificate. */
export const clientCertificateFields = {
  clientCertRef: secretRef('Reference to the PEM client certificate'),
  clientKeyRef: secretRef('Reference to the PEM private key of the client certificate'),
  clientKeyPassphraseRef: secretRef('Reference to the passphrase of the private key').optional(),
  caCertRef: secretRef('Reference to the PEM CA certificate to trust for the server').optional(),
};

const clientIdFields = {
  clientId: text('OAuth client id (not secret)').optional(),
  clientIdRef: secretRef('Reference to a secret holding the OAuth client id').optional(),
};

/** OAuth 2.0 client credentials grant: the client authenticates as itself at `tokenUrl`. */
export const oauthClientCredentialsSpec = z
  .object({
    tokenUrl: httpUrl('Token endpoint of the authorization server'),
    ...clientIdFields,
    clientSecretRef: secretRef('Reference to the OAuth client secret'),
    scope: text('Space-separated scopes to request', 1024).optional(),
    audience: text('Audience (resource) to request a token for', 1024).optional(),
  })
  .superRefine((spec, ctx) => requireOneOf(spec, ctx, 'clientId', 'clientIdRef'));

/** OAuth 2.0 refresh token grant: a long-lived refresh token is exchanged for access tokens at `tokenUrl`. */
export const oauthRefreshTokenSpec = z
  .object({
    tokenUrl: httpUrl('Token endpoint of the authorization server'),
    ...clientIdFields,
    clientSecretRef: secretRef('Reference to the OAuth client secret (confidential clients)').optional(),
    refreshTokenRef: secretRef('Reference to the refresh token'),
    scope: text('Space-separated scopes to request', 1024).optional(),
  })
  .superRefine((spec, ctx) => requireOneOf(spec, ctx, 'clientId', 'clientIdRef'));

const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

/** Headers whose value is a credential: they may only come from a secret. */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'private-token',
  'dd-api-key',
  'dd-application-key',
]);

/**
 * One HTTP header, Harness's `CustomHealthKeyAndValue` shape: a plain `value`, or `encryptedValueRef` to a
 * secret with `valueEncrypted: true`.
 */
export const headerEntry = z
  .object({
    key: z.string().regex(HEADER_NAME_PATTERN, 'must be an HTTP header name'),
    value: z
      .string()
      .max(8192)
      .regex(/^[^\r\n]*$/, 'must be a single line')
      .optional(),
    valueEncrypted: z.boolean().optional().meta({ description: 'true when the value comes from encryptedValueRef' }),
    encryptedValueRef: secretRef('Reference to a secret holding the header value').optional(),
  })
  .superRefine((header, ctx) => {
    const fromSecret = header.encryptedValueRef !== undefined;
    if (fromSecret === (header.value !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'give either value or encryptedValueRef' });
    }
    if (header.valueEncrypted !== undefined && header.valueEncrypted !== fromSecret) {
      ctx.addIssue({
        code: 'custom',
        path: ['valueEncrypted'],
        message: fromSecret ? 'must be true with encryptedValueRef' : 'must be false with a plain value',
      });
    }
    // A credential header's value must come from a secret: a reference, or an expression naming one.
    const fromExpression = header.value?.includes('<+secrets.getValue(') ?? false;
    if (!fromSecret && !fromExpression && CREDENTIAL_HEADERS.has(header.key.toLowerCase())) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `header ${header.key} carries a credential: store it as a secret and use encryptedValueRef or <+secrets.getValue("…")>`,
      });
    }
  });

export const headerList = z
  .array(headerEntry)
  .max(64)
  .superRefine((headers, ctx) => {
    const seen = new Set<string>();
    headers.forEach((header, index) => {
      const name = header.key.toLowerCase();
      if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: [index, 'key'], message: `header ${header.key} is given twice` });
      }
      seen.add(name);
    });
  });

/**
 * Jira and ServiceNow connectors created before Harness added the `auth` block carry the user name and
 * password at the top of the spec. Both forms are kept; a spec needs one of them.
 */
export const legacyUsernamePasswordFields = {
  ...usernameFields,
  passwordRef: secretRef('Reference to the password (older connectors, before `auth`)').optional(),
};

export function requireAuthOrLegacyCredentials(
  spec: {
    auth?: unknown;
    username?: string | undefined;
    usernameRef?: string | undefined;
    passwordRef?: string | undefined;
  },
  ctx: z.core.$RefinementCtx,
): void {
  if (spec.auth !== undefined) return;
  if (spec.username === undefined && spec.usernameRef === undefined && spec.passwordRef === undefined) {
    ctx.addIssue({ code: 'custom', path: ['auth'], message: 'is required' });
    return;
  }
  requireOneOf(spec, ctx, 'username', 'usernameRef');
  if (spec.passwordRef === undefined) ctx.addIssue({ code: 'custom', path: ['passwordRef'], message: 'is required' });
}
