import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConnectorAction, ConnectorCheckError, OperationContext, secretText } from './context';
import { describeWebhook, webhookCall, webhookRejected } from './collaboration-test';
import { httpCredentials } from './http-auth';
import { describeUrl, httpCall, HttpAnswer, parseJson, withoutSlash } from './http-client';
import { configuredHeaders } from './http-test';

type Spec = Record<string, unknown>;

/** Connector types an alert can notify through; the generic webhook is the Http type. */
export const NOTIFICATION_TYPES = ['Slack', 'MsTeams', 'PagerDuty', 'Http'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const isNotificationType = (type: string): type is NotificationType => (NOTIFICATION_TYPES as readonly string[]).includes(type);

/**
 * Why a connector cannot carry alerts, or undefined when it can: its type must be a notification type, and its
 * configuration must have what sending needs (checked when a rule names it, not when the alert fires).
 */
export function notificationProblem(type: string, spec: Spec): string | undefined {
  if (!isNotificationType(type)) return `is a ${type} connector, which cannot send notifications (use ${NOTIFICATION_TYPES.join(', ')})`;
  const auth = spec['auth'] as { type?: string } | undefined;
  if (type === 'Slack' && auth?.type === 'BotToken' && !spec['defaultChannel']) return 'is a Slack bot connector without spec.defaultChannel, so an alert has nowhere to go';
  if (type === 'MsTeams' && auth?.type !== 'IncomingWebhook') return `sends through Microsoft Graph ('${auth?.type}'); alerts need an incoming webhook`;
  if (type === 'PagerDuty' && !spec['routingKeyRef']) return 'has no spec.routingKeyRef (an Events API v2 integration key), which raising an alert needs';
  return undefined;
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type NotificationSeverity = (typeof SEVERITIES)[number];

/** What an alert says, the same for every channel; each sender renders it in its vendor's shape. */
export interface NotificationMessage {
  title: string;
  text: string;
  severity: NotificationSeverity;
  /** Stable per alerting subject: PagerDuty groups repeats of one problem into one incident by it. */
  dedupKey: string;
  /** What the alert is about, e.g. `connector org.k8s_connector`. */
  source: string;
  /** Extra facts, shown as fields or custom details. */
  facts: Record<string, string>;
}

export interface NotificationReceipt {
  message: string;
  details: Record<string, unknown>;
}

const plainText = (m: NotificationMessage) => [m.text, ...Object.entries(m.facts).map(([k, v]) => `${k}: ${v}`)].join('\n');

function refused(vendor: string, where: string, answer: HttpAnswer): ConnectorCheckError {
  return new ConnectorCheckError('NOTIFICATION_REFUSED', 'operation', `${vendor} at ${where} refused the notification (${answer.status} ${answer.text.slice(0, 80).trim()})`);
}

// Slack: an incoming webhook takes `{text}`; a bot token posts with chat.postMessage to the connector's
// default channel (api.slack.com/methods/chat.postMessage).
async function sendSlack(ctx: OperationContext, m: NotificationMessage): Promise<NotificationReceipt> {
  const auth = ctx.spec['auth'] as { type: string; spec: Spec };
  const text = `*${m.title}*\n${plainText(m)}`;
  if (auth.type === 'IncomingWebhook') {
    const url = await ctx.stage('authentication', async () => secretText(ctx, auth.spec['webhookUrlRef'] as string, 'spec.auth.spec.webhookUrlRef'));
    const answer = await ctx.stage('connection', () => webhookCall(ctx, { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) }));
    await ctx.stage('operation', async () => {
      if (answer.status === 403 || answer.status === 404 || answer.status === 410) throw webhookRejected(answer, url, 'Slack');
      if (answer.status !== 200) throw refused('Slack webhook', describeWebhook(url), answer);
    });
    return { message: `posted to the Slack webhook at ${describeWebhook(url)}`, details: { latencyMs: answer.latencyMs } };
  }
  const channel = ctx.spec['defaultChannel'] as string | undefined;
  if (!channel) throw new ConnectorCheckError('NO_CHANNEL', 'operation', 'spec.defaultChannel: a Slack bot connector needs a default channel to post alerts to');
  const url = `${withoutSlash((ctx.spec['apiUrl'] as string | undefined) ?? 'https://slack.com/api')}/chat.postMessage`;
  const token = await ctx.stage('authentication', async () => secretText(ctx, auth.spec['tokenRef'] as string, 'spec.auth.spec.tokenRef'));
  const answer = await ctx.stage('connection', () =>
    httpCall(ctx, { url, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ channel, text }), retry: false }),
  );
  const body = await ctx.stage('operation', async () => {
    const parsed = parseJson<{ ok?: boolean; error?: string; ts?: string }>(answer);
    if (answer.status !== 200 || !parsed) throw refused('Slack', describeUrl(url), answer);
    if (!parsed.ok) {
      const auth = parsed.error === 'invalid_auth' || parsed.error === 'not_authed';
      throw new ConnectorCheckError(auth ? 'AUTHENTICATION_FAILED' : 'NOTIFICATION_REFUSED', auth ? 'authentication' : 'operation', `Slack refused the message to ${channel}: ${parsed.error ?? 'unknown error'}`);
    }
    return parsed;
  });
  return { message: `posted to Slack channel ${channel}`, details: { channel, ts: body.ts, latencyMs: answer.latencyMs } };
}

// Microsoft Teams: a MessageCard to the incoming webhook (learn.microsoft.com, "Create an Incoming Webhook").
async function sendTeams(ctx: OperationContext, m: NotificationMessage): Promise<NotificationReceipt> {
  const auth = ctx.spec['auth'] as { type: string; spec: Spec };
  if (auth.type !== 'IncomingWebhook') {
    throw new ConnectorCheckError('UNSUPPORTED_AUTH', 'authentication', `spec.auth.type: alerts are sent through an incoming webhook, not '${auth.type}'`);
  }
  const url = await ctx.stage('authentication', async () => secretText(ctx, auth.spec['webhookUrlRef'] as string, 'spec.auth.spec.webhookUrlRef'));
  const card = {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: m.title,
    title: m.title,
    themeColor: m.severity === 'info' ? '2E7D32' : m.severity === 'warning' ? 'F9A825' : 'C62828',
    text: m.text,
    sections: [{ facts: Object.entries(m.facts).map(([name, value]) => ({ name, value })) }],
  };
  const answer = await ctx.stage('connection', () => webhookCall(ctx, { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(card) }));
  await ctx.stage('operation', async () => {
    if ([401, 403, 404, 410].includes(answer.status)) throw webhookRejected(answer, url, 'Teams');
    if (answer.status < 200 || answer.status > 299) throw refused('Teams webhook', describeWebhook(url), answer);
  });
  return { message: `posted a card to the Teams webhook at ${describeWebhook(url)}`, details: { latencyMs: answer.latencyMs } };
}

// PagerDuty: an Events API v2 `trigger` (developer.pagerduty.com, "Send an Alert Event"). The dedup key makes a
// repeat the same incident, so the call may be retried.
async function sendPagerDuty(ctx: OperationContext, m: NotificationMessage): Promise<NotificationReceipt> {
  if (!ctx.spec['routingKeyRef']) {
    throw new ConnectorCheckError('NO_ROUTING_KEY', 'authentication', 'spec.routingKeyRef: raising a PagerDuty alert needs an Events API v2 integration (routing) key');
  }
  const url = `${withoutSlash((ctx.spec['apiUrl'] as string | undefined) ?? 'https://events.pagerduty.com')}/v2/enqueue`;
  const routingKey = await ctx.stage('authentication', async () => secretText(ctx, ctx.spec['routingKeyRef'] as string, 'spec.routingKeyRef'));
  const event = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: m.dedupKey,
    payload: { summary: `${m.title}: ${m.text}`.slice(0, 1024), source: m.source, severity: m.severity, custom_details: m.facts },
  };
  const answer = await ctx.stage('connection', () => httpCall(ctx, { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) }));
  await ctx.stage('operation', async () => {
    const body = parseJson<{ status?: string; errors?: string[] }>(answer);
    if (answer.status === 400 && body?.errors?.some((e) => /routing.?key/i.test(e))) {
      throw new ConnectorCheckError('AUTHENTICATION_FAILED', 'authentication', `authentication failed: routing key rejected by ${describeUrl(url)} (${body.errors.join('; ')})`);
    }
    if (answer.status !== 202 || body?.status !== 'success') throw refused('PagerDuty', describeUrl(url), answer);
  });
  return { message: `triggered a PagerDuty alert at ${describeUrl(url)} (dedup key ${m.dedupKey})`, details: { dedupKey: m.dedupKey, latencyMs: answer.latencyMs } };
}

// A generic webhook (the Http type): the message as JSON to the connector's URL, with its auth and headers.
async function sendWebhook(ctx: OperationContext, m: NotificationMessage): Promise<NotificationReceipt> {
  const url = ctx.spec['url'] as string;
  const configured = (ctx.spec['method'] as string | undefined) ?? 'POST';
  const method = ['POST', 'PUT', 'PATCH'].includes(configured) ? configured : 'POST';
  const credentials = await ctx.stage('authentication', () => httpCredentials(ctx, ctx.spec['auth'] as Spec | undefined, 'spec.auth'));
  const headers = { ...credentials.headers, ...configuredHeaders(ctx), 'content-type': 'application/json' };
  const body = JSON.stringify({ title: m.title, text: m.text, severity: m.severity, source: m.source, dedupKey: m.dedupKey, facts: m.facts });
  const answer = await ctx.stage('connection', () => httpCall(ctx, { url, method, headers, body, ...(credentials.tls ? { tls: credentials.tls } : {}), retry: false }));
  await ctx.stage('operation', async () => {
    if (answer.status < 200 || answer.status > 299) throw refused('the webhook', describeUrl(url), answer);
  });
  return { message: `${method} ${describeUrl(url)} answered ${answer.status}`, details: { status: answer.status, latencyMs: answer.latencyMs } };
}

const SENDERS: Record<NotificationType, (ctx: OperationContext, m: NotificationMessage) => Promise<NotificationReceipt>> = {
  Slack: sendSlack,
  MsTeams: sendTeams,
  PagerDuty: sendPagerDuty,
  Http: sendWebhook,
};

/** Sends one alert through a notification connector (spec and opened secrets in `ctx`). */
export function sendNotification(type: string, ctx: OperationContext, message: NotificationMessage): Promise<NotificationReceipt> {
  if (!isNotificationType(type)) {
    return Promise.reject(new ConnectorCheckError('NOT_A_NOTIFICATION_CONNECTOR', 'operation', `connector type '${type}' cannot send notifications (use ${NOTIFICATION_TYPES.join(', ')})`));
  }
  return SENDERS[type](ctx, message);
}

const notificationInput = z
  .object({
    title: z.string().min(1).max(256),
    text: z.string().max(4096),
    severity: z.enum(SEVERITIES).default('info'),
    source: z.string().min(1).max(256).default('conduit'),
    dedupKey: z.string().min(1).max(255).optional().meta({ description: 'Repeats with one key are one PagerDuty incident; defaults to a new key per send' }),
    facts: z
      .record(z.string().min(1).max(64), z.string().max(1024))
      .refine((facts) => Object.keys(facts).length <= 32, 'at most 32 facts')
      .default({}),
  })
  .strict();
// A Slack bot may post to another channel than its default; the other senders have one destination each.
const slackInput = notificationInput.extend({ channel: z.string().min(1).max(128).optional().meta({ description: 'Bot token only; defaults to spec.defaultChannel' }) }).strict();

type NotificationInput = z.infer<typeof slackInput>;

/** `send-notification`: the caller's message through the sender alerts use (a write: never retried as a whole). */
export function notificationActions(type: NotificationType): Record<string, ConnectorAction<NotificationInput>> {
  return {
    'send-notification': {
      description: 'Sends a message (title, text, severity, facts) through the connector, as an alert is sent',
      input: type === 'Slack' ? slackInput : notificationInput,
      mutating: true,
      async run(ctx, { channel, dedupKey, ...message }) {
        if (channel !== undefined && (ctx.spec['auth'] as { type?: string } | undefined)?.type !== 'BotToken') {
          throw new ConnectorCheckError('CHANNEL_FIXED', 'operation', 'channel: an incoming webhook posts to the channel it was created for; only a bot token can choose one');
        }
        const target = channel === undefined ? ctx : { ...ctx, spec: { ...ctx.spec, defaultChannel: channel } };
        return sendNotification(type, target, { ...message, dedupKey: dedupKey ?? `conduit-${randomUUID()}` });
      },
    },
  };
}
