/**
 * STAND-IN for PagerDuty: Events API v2 and one REST API v2 endpoint, on one URL (the real ones are
 * events.pagerduty.com and api.pagerduty.com).
 *
 * Follows developer.pagerduty.com: `POST /v2/enqueue` ("Send an Alert Event") answers 202
 * `{status:"success",message:"Event processed",dedup_key}` and 400 `{status:"invalid event",
 * message:"Event object is invalid",errors:[…]}`; `GET /abilities` takes `Authorization: Token
 * token=<key>` and answers 401 `{"error":{"message":"Authentication failed","code":2006}}` otherwise.
 */
import { randomBytes } from 'node:crypto';
import { json, startStandIn, StandIn } from './stand-in';

export interface PagerDutyStandIn extends StandIn {
  /** A 32-character integration (routing) key. */
  routingKey: string;
  apiToken: string;
  events: Array<{ event_action: string; dedup_key: string; payload?: unknown }>;
}

const SEVERITIES = ['critical', 'warning', 'error', 'info'];

export async function startPagerDuty(): Promise<PagerDutyStandIn> {
  const routingKey = randomBytes(16).toString('hex');
  const apiToken = `u+${randomBytes(10).toString('base64url')}`;
  const events: PagerDutyStandIn['events'] = [];
  const invalid = (errors: string[]) =>
    json(400, { status: 'invalid event', message: 'Event object is invalid', errors });

  const standIn = await startStandIn({
    name: 'pagerduty',
    notFound: () => json(404, { error: { message: 'Not Found', code: 2100 } }),
    routes: [
      {
        method: 'POST',
        path: '/v2/enqueue',
        handle: (request) => {
          const event = request.json() as
            | {
                routing_key?: string;
                event_action?: string;
                dedup_key?: string;
                payload?: { summary?: string; source?: string; severity?: string };
              }
            | undefined;
          if (!event) return invalid(['Event object is not valid JSON']);
          if (typeof event.routing_key !== 'string' || event.routing_key.length !== 32) {
            return invalid(["Length of 'routing_key' is incorrect (should be 32 characters)"]);
          }
          if (event.routing_key !== routingKey) return invalid(['Invalid routing key']);
          if (!['trigger', 'acknowledge', 'resolve'].includes(event.event_action ?? '')) {
            return invalid(["'event_action' is missing or blank"]);
          }
          const errors: string[] = [];
          if (event.event_action === 'trigger') {
            if (!event.payload?.summary) errors.push("'payload.summary' is missing or blank");
            if (!event.payload?.source) errors.push("'payload.source' is missing or blank");
            if (!SEVERITIES.includes(event.payload?.severity ?? '')) {
              errors.push(
                "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
              );
            }
          } else if (!event.dedup_key) errors.push("'dedup_key' is missing or blank");
          if (errors.length > 0) return invalid(errors);
          const dedupKey = event.dedup_key ?? randomBytes(16).toString('hex');
          events.push({ event_action: event.event_action as string, dedup_key: dedupKey, payload: event.payload });
          return {
            ...json(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey }),
            identity: 'integration',
          };
        },
      },
      {
        method: 'GET',
        path: '/abilities',
        handle: (request) => {
          const match = /^Token token=(\S+)$/.exec(request.headers.authorization ?? '');
          if (!match || match[1] !== apiToken)
            return json(401, { error: { message: 'Authentication failed', code: 2006 } });
          return {
            ...json(200, { abilities: ['teams', 'read_only_users', 'service_support_hours', 'urgencies'] }),
            identity: 'api-token',
          };
        },
      },
    ],
  });
  return { ...standIn, routingKey, apiToken, events };
}
