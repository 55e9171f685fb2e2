/**
 * STAND-IN for a Microsoft Teams incoming webhook (Office 365 connector URL shape
 * `/webhookb2/{group}@{tenant}/IncomingWebhook/{id}/{owner}`).
 *
 * Follows learn.microsoft.com "Create an Incoming Webhook": a POST of a MessageCard (or an Adaptive
 * Card in `attachments`) answers 200 with the body `1`; a card without text, summary or attachments
 * answers 400 "Summary or Text is required."; an unknown webhook answers 404.
 */
import { randomUUID } from 'node:crypto';
import { startStandIn, StandIn, text } from './stand-in';

export interface TeamsStandIn extends StandIn {
  webhookUrl: string;
  cards: unknown[];
}

export async function startTeams(): Promise<TeamsStandIn> {
  const group = randomUUID();
  const tenant = randomUUID();
  const id = randomUUID().replace(/-/g, '');
  const owner = randomUUID();
  const cards: unknown[] = [];
  const standIn = await startStandIn({
    name: 'teams',
    notFound: () => text(404, 'Webhook not found'),
    routes: [
      {
        method: 'POST',
        path: '/webhookb2/{channel}/IncomingWebhook/{id}/{owner}',
        handle: (request) => {
          if (
            request.params['channel'] !== `${group}@${tenant}` ||
            request.params['id'] !== id ||
            request.params['owner'] !== owner
          ) {
            return text(404, 'Webhook not found');
          }
          const card = request.json() as { text?: string; summary?: string; attachments?: unknown[] } | undefined;
          if (!card) return text(400, 'Bad payload received by generic incoming webhook.');
          if (!card.text && !card.summary && !(card.attachments && card.attachments.length > 0)) {
            return text(400, 'Summary or Text is required.');
          }
          cards.push(card);
          return { ...text(200, '1'), identity: `webhook:${id}` };
        },
      },
    ],
  });
  return {
    ...standIn,
    webhookUrl: `${standIn.url}/webhookb2/${group}@${tenant}/IncomingWebhook/${id}/${owner}`,
    cards,
  };
}
