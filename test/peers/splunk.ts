/**
 * STAND-IN for the Splunk Enterprise REST API (management port) and HTTP Event Collector.
 *
 * Follows docs.splunk.com "REST API Reference" (server/info) and "Set up and use HTTP Event
 * Collector": `GET /services/server/info?output_mode=json` with Basic auth, `Authorization: Splunk
 * <session key>` or `Authorization: Bearer <authentication token>`; 401 `{"messages":[{"type":"WARN",
 * "text":"call not properly authenticated"}]}` (XML without output_mode=json). HEC: `POST
 * /services/collector/event` with `Authorization: Splunk <hec token>` → `{"text":"Success","code":0}`,
 * 401 code 2 "Token is required", 403 code 4 "Invalid token".
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { basicCredentials, json, Reply, schemeToken, startStandIn, StandIn, StandInRequest, text } from './stand-in';

export interface SplunkStandIn extends StandIn {
  username: string;
  password: string;
  /** A session key / authentication token usable as `Splunk <key>` or `Bearer <key>`. */
  token: string;
  hecToken: string;
  events: unknown[];
}

export async function startSplunk(): Promise<SplunkStandIn> {
  const username = 'conduit';
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const token = randomBytes(24).toString('base64url');
  const hecToken = randomUUID();
  const events: unknown[] = [];

  const identify = (request: StandInRequest) => {
    const basic = basicCredentials(request.headers);
    if (basic) return basic.username === username && basic.password === password ? username : undefined;
    return schemeToken(request.headers, 'Splunk', 'Bearer') === token ? `token:${username}` : undefined;
  };
  const unauthenticated = (request: StandInRequest): Reply =>
    request.query.get('output_mode') === 'json'
      ? json(401, { messages: [{ type: 'WARN', text: 'call not properly authenticated' }] })
      : text(
          401,
          '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n  <messages>\n    <msg type="WARN">call not properly authenticated</msg>\n  </messages>\n</response>\n',
          'text/xml; charset=UTF-8',
        );

  const standIn = await startStandIn({
    name: 'splunk',
    notFound: () => json(404, { messages: [{ type: 'ERROR', text: 'Not Found' }] }),
    routes: [
      {
        method: 'GET',
        path: '/services/server/info',
        handle: (request) => {
          const identity = identify(request);
          if (!identity) return unauthenticated(request);
          if (request.query.get('output_mode') !== 'json') {
            return {
              ...text(
                200,
                '<feed xmlns="http://www.w3.org/2005/Atom"><title>server-info</title></feed>',
                'text/xml; charset=UTF-8',
              ),
              identity,
            };
          }
          const updated = new Date().toISOString();
          return {
            ...json(200, {
              links: {},
              origin: `${standIn.url}/services/server/info`,
              updated,
              generator: { build: '64e843ea36b1', version: '9.1.2' },
              entry: [
                {
                  name: 'server-info',
                  id: `${standIn.url}/services/server/info/server-info`,
                  updated,
                  links: { alternate: '/services/server/info/server-info', list: '/services/server/info/server-info' },
                  author: 'system',
                  content: {
                    build: '64e843ea36b1',
                    serverName: 'conduit-splunk',
                    version: '9.1.2',
                    product_type: 'enterprise',
                    os_name: 'Linux',
                    health_info: 'green',
                  },
                },
              ],
              paging: { total: 1, perPage: 30, offset: 0 },
              messages: [],
            }),
            identity,
          };
        },
      },
      {
        method: 'POST',
        path: '/services/collector/event',
        handle: (request) => {
          const presented = schemeToken(request.headers, 'Splunk');
          if (!presented) return json(401, { text: 'Token is required', code: 2 });
          if (presented !== hecToken) return json(403, { text: 'Invalid token', code: 4 });
          const body = request.text().trim();
          if (!body) return json(400, { text: 'No data', code: 5 });
          try {
            // HEC accepts several JSON event objects back to back.
            for (const chunk of body.split(/(?<=\})\s*(?=\{)/)) events.push(JSON.parse(chunk));
          } catch {
            return json(400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 });
          }
          return { ...json(200, { text: 'Success', code: 0 }), identity: 'hec' };
        },
      },
    ],
  });
  return { ...standIn, username, password, token, hecToken, events };
}
