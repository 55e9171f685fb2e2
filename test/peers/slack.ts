/**
 * STAND-IN for Slack: incoming webhooks and two Web API methods.
 *
 * Follows api.slack.com: incoming webhooks ("Sending messages using incoming webhooks", "Handling
 * errors") answer 200 `ok` as text, 400 `invalid_payload`/`no_text`, 403 `invalid_token`, 404
 * `no_service`; the Web API (`auth.test`, `chat.postMessage`) takes a bot token as `Authorization:
 * Bearer` or a `token` form field and answers HTTP 200 with `{ok:false,error}` on failure
 * (`not_authed`, `invalid_auth`, `channel_not_found`, `no_text`).
 */
import { randomBytes } from 'node:crypto';
import { json, schemeToken, startStandIn, StandIn, StandInRequest, text } from './stand-in';

export interface SlackStandIn extends StandIn {
  /** Full incoming-webhook URL that works. */
  webhookUrl: string;
  /** Same team and service, wrong secret: 403 invalid_token. */
  revokedWebhookUrl: string;
  botToken: string;
  teamId: string;
  channels: string[];
  /** Messages accepted through the webhook or chat.postMessage. */
  messages: Array<{ via: 'webhook' | 'chat.postMessage'; channel?: string; text?: string; blocks?: unknown }>;
}

export async function startSlack(options: { channels?: string[] } = {}): Promise<SlackStandIn> {
  const teamId = 'T0CONDUIT';
  const serviceId = 'B0CONDUIT';
  const secret = randomBytes(12).toString('base64url');
  const botToken = `xoxb-${randomBytes(5).toString('hex')}-${randomBytes(12).toString('hex')}`;
  const channels = options.channels ?? ['C0DEPLOYS', 'general'];
  const messages: SlackStandIn['messages'] = [];

  /** JSON or form body, as the Web API accepts both. */
  const args = (request: StandInRequest): Record<string, unknown> => {
    const type = String(request.headers['content-type'] ?? '');
    if (type.includes('json')) return (request.json() as Record<string, unknown> | undefined) ?? {};
    return Object.fromEntries(request.form());
  };
  const tokenOf = (request: StandInRequest) => {
    const form = args(request);
    return (
      schemeToken(request.headers, 'Bearer') ??
      (typeof form['token'] === 'string' ? (form['token'] as string) : undefined)
    );
  };
  const webApiAuth = (request: StandInRequest) => {
    const token = tokenOf(request);
    if (!token) return json(200, { ok: false, error: 'not_authed' });
    if (token !== botToken) return json(200, { ok: false, error: 'invalid_auth' });
    return undefined;
  };

  const standIn = await startStandIn({
    name: 'slack',
    notFound: () => text(404, 'no_service'),
    routes: [
      {
        method: 'POST',
        path: '/services/{team}/{service}/{secret}',
        handle: (request) => {
          const { team, service } = request.params;
          if (team !== teamId || service !== serviceId) return text(404, 'no_service');
          if (request.params['secret'] !== secret) return text(403, 'invalid_token');
          const body = request.json() as { text?: string; blocks?: unknown; attachments?: unknown } | undefined;
          if (!body) return text(400, 'invalid_payload');
          if (!body.text && !body.blocks && !body.attachments) return text(400, 'no_text');
          messages.push({ via: 'webhook', text: body.text, blocks: body.blocks });
          return { ...text(200, 'ok'), identity: `webhook:${serviceId}` };
        },
      },
      {
        method: 'POST',
        path: '/api/auth.test',
        handle: (request) =>
          webApiAuth(request) ?? {
            ...json(200, {
              ok: true,
              url: 'https://conduit-test.slack.com/',
              team: 'Conduit Test',
              user: 'conduit-bot',
              team_id: teamId,
              user_id: 'U0CONDUIT',
              bot_id: 'B0CONDUITBOT',
              is_enterprise_install: false,
            }),
            identity: 'conduit-bot',
          },
      },
      {
        method: 'POST',
        path: '/api/chat.postMessage',
        handle: (request) => {
          const denied = webApiAuth(request);
          if (denied) return denied;
          const body = args(request);
          const channel = String(body['channel'] ?? '');
          if (!channels.includes(channel))
            return { ...json(200, { ok: false, error: 'channel_not_found' }), identity: 'conduit-bot' };
          if (!body['text'] && !body['blocks'] && !body['attachments']) {
            return { ...json(200, { ok: false, error: 'no_text' }), identity: 'conduit-bot' };
          }
          const ts = `${Math.floor(Date.now() / 1000)}.${String(messages.length + 1).padStart(6, '0')}`;
          messages.push({
            via: 'chat.postMessage',
            channel,
            text: body['text'] as string | undefined,
            blocks: body['blocks'],
          });
          return {
            ...json(200, {
              ok: true,
              channel,
              ts,
              message: {
                type: 'message',
                subtype: 'bot_message',
                text: body['text'],
                user: 'U0CONDUIT',
                bot_id: 'B0CONDUITBOT',
                ts,
              },
            }),
            identity: 'conduit-bot',
          };
        },
      },
    ],
  });
  return {
    ...standIn,
    webhookUrl: `${standIn.url}/services/${teamId}/${serviceId}/${secret}`,
    revokedWebhookUrl: `${standIn.url}/services/${teamId}/${serviceId}/${randomBytes(12).toString('base64url')}`,
    botToken,
    teamId,
    channels,
    messages,
  };
}
