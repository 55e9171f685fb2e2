import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { notificationActions } from '../operations/notifications';
import { slackOperations } from '../operations/collaboration-test';
import { connectivityFields, httpUrl, serverTrustFields, text } from '../schema/fields';
import { secretRef } from '../schema/references';

// Harness sends Slack notifications through channels, not connectors, so these names are Conduit's own,
// in Harness's `auth: {type, spec}` style.
export const slackSpec = z.object({
  auth: z.discriminatedUnion('type', [
    // The webhook URL is the credential: whoever has it can post.
    z.object({
      type: z.literal('IncomingWebhook'),
      spec: z.object({ webhookUrlRef: secretRef('Reference to the incoming-webhook URL') }),
    }),
    z.object({
      type: z.literal('BotToken'),
      spec: z.object({ tokenRef: secretRef('Reference to the bot token (xoxb-…)') }),
    }),
  ]),
  apiUrl: httpUrl('Slack Web API URL; defaults to https://slack.com/api').optional(),
  defaultChannel: text('Channel to post to when a notification names none, e.g. #deploys', 128).optional(),
  ...connectivityFields,
  ...serverTrustFields,
});

export const slackConnector = defineConnectorType({
  type: 'Slack',
  displayName: 'Slack',
  category: 'Collaboration',
  description: 'Slack notifications through an incoming webhook or a bot token.',
  docsHint: 'A bot token needs chat:write, and the bot must be in the channel.',
  authKinds: ['WebhookUrl', 'HttpToken'],
  schema: slackSpec,
  operations: { ...slackOperations, actions: notificationActions('Slack') },
});
