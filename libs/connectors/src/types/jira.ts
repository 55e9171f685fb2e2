import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { jiraOperations } from '../operations/collaboration-test';
import { legacyUsernamePasswordFields, requireAuthOrLegacyCredentials, usernamePasswordSpec } from '../schema/auth';
import { connectivityFields, httpUrl, serverTrustFields } from '../schema/fields';
import { secretRef } from '../schema/references';

export const jiraSpec = z
  .object({
    jiraUrl: httpUrl('e.g. https://mycompany.atlassian.net/'),
    ...legacyUsernamePasswordFields,
    auth: z
      .discriminatedUnion('type', [
        // Jira Cloud: the e-mail address and an API token as the password.
        z.object({ type: z.literal('UsernamePassword'), spec: usernamePasswordSpec }),
        // Jira Data Center: a personal access token.
        z.object({
          type: z.literal('PersonalAccessToken'),
          spec: z.object({ patRef: secretRef('Reference to the personal access token') }),
        }),
      ])
      .optional(),
    ...connectivityFields,
    ...serverTrustFields,
  })
  .superRefine(requireAuthOrLegacyCredentials);

export const jiraConnector = defineConnectorType({
  type: 'Jira',
  displayName: 'Jira',
  category: 'Collaboration',
  description: 'Jira Cloud or Data Center: create and update issues, approvals.',
  docsHint: 'Jira Cloud: your e-mail address with an API token as the password.',
  authKinds: ['HttpBasic', 'HttpToken'],
  schema: jiraSpec,
  operations: jiraOperations,
});
