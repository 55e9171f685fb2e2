import { z } from 'zod';
import { sshKeySpec, tokenSpec, usernamePasswordSpec, usernameTokenSpec } from './auth';
import { requireOneOf, text } from './fields';
import { secretRef } from './references';

// Building blocks of the source-code connectors (Github, Gitlab, Bitbucket, AzureRepo), in Harness's
// shape: `authentication: {type: Http|Ssh, spec}` where an Http spec is `{type: <credential kind>, spec}`,
// and an optional `apiAccess: {type, spec}` for the provider's REST API.

/** Account (or project): the URL names an owner and any of its repositories may be used; Repo: one repository. */
export const scmConnectionType = z.enum(['Account', 'Repo']);

export const validationRepo = text('Repository used to test an account-level connector', 1024).optional();

export const httpUsernamePassword = z.object({ type: z.literal('UsernamePassword'), spec: usernamePasswordSpec });
export const httpUsernameToken = z.object({ type: z.literal('UsernameToken'), spec: usernameTokenSpec });
export const httpAnonymous = z.object({ type: z.literal('Anonymous') });

/** An OAuth access token obtained through the provider's app flow, with its refresh token where it has one. */
const oauthTokenSpec = z.object({
  tokenRef: secretRef('Reference to the OAuth access token'),
  refreshTokenRef: secretRef('Reference to the OAuth refresh token').optional(),
});

export const httpOAuth = z.object({ type: z.literal('OAuth'), spec: oauthTokenSpec });

/** A GitHub App installation: ids may be plain or secret references; the private key is always a secret. */
export const githubAppSpec = z
  .object({
    installationId: text('GitHub App installation id').optional(),
    installationIdRef: secretRef('Reference to a secret holding the installation id').optional(),
    applicationId: text('GitHub App id').optional(),
    applicationIdRef: secretRef('Reference to a secret holding the App id').optional(),
    privateKeyRef: secretRef('Reference to the App private key (PEM)'),
  })
  .superRefine((spec, ctx) => {
    requireOneOf(spec, ctx, 'installationId', 'installationIdRef');
    requireOneOf(spec, ctx, 'applicationId', 'applicationIdRef');
  });

export const httpGithubApp = z.object({ type: z.literal('GithubApp'), spec: githubAppSpec });

/**
 * `authentication` of a source-code connector, given the HTTP credential kinds the provider accepts
 * (a discriminated union of the `http*` blocks above).
 */
export function scmAuthentication<HttpCredentials extends z.ZodType>(httpCredentials: HttpCredentials) {
  return z.discriminatedUnion('type', [
    z.object({ type: z.literal('Http'), spec: httpCredentials }),
    z.object({ type: z.literal('Ssh'), spec: sshKeySpec }),
  ]);
}

export const apiAccessToken = z.object({ type: z.literal('Token'), spec: tokenSpec });
export const apiAccessOAuth = z.object({ type: z.literal('OAuth'), spec: oauthTokenSpec });
export const apiAccessGithubApp = z.object({ type: z.literal('GithubApp'), spec: githubAppSpec });
export const apiAccessUsernameToken = z.object({ type: z.literal('UsernameToken'), spec: usernameTokenSpec });
