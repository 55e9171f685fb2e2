/**
 * STAND-IN for the ServiceNow Table API.
 *
 * Follows the ServiceNow REST API reference (Table API): `GET /api/now/table/{table}` (with
 * `sysparm_limit`) → `{"result":[…]}`, `POST /api/now/table/{table}` → 201 `{"result":{…}}` with
 * sys_id and (for incident) a number; Basic auth or an OAuth Bearer token; errors as
 * `{"error":{"message","detail"},"status":"failure"}` (401 "User Not Authenticated", 400 "Invalid table").
 */
import { randomBytes } from 'node:crypto';
import { basicCredentials, json, schemeToken, startStandIn, StandIn, StandInRequest } from './stand-in';

export interface ServiceNowStandIn extends StandIn {
  username: string;
  password: string;
  oauthToken: string;
  /** Records by table, including those created through the API. */
  tables: Record<string, Array<Record<string, unknown>>>;
}

export async function startServiceNow(): Promise<ServiceNowStandIn> {
  const username = 'conduit.integration';
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const oauthToken = randomBytes(32).toString('base64url');
  const tables: ServiceNowStandIn['tables'] = {
    incident: [
      {
        sys_id: randomBytes(16).toString('hex'),
        number: 'INC0010001',
        short_description: 'Seeded incident',
        state: '1',
      },
    ],
    change_request: [],
    sys_user: [{ sys_id: randomBytes(16).toString('hex'), user_name: username, name: 'Conduit Integration' }],
  };
  const identify = (request: StandInRequest) => {
    const basic = basicCredentials(request.headers);
    if (basic) return basic.username === username && basic.password === password ? username : undefined;
    return schemeToken(request.headers, 'Bearer') === oauthToken ? 'oauth:conduit' : undefined;
  };
  const failure = (status: number, message: string, detail: string | null) =>
    json(status, { error: { message, detail }, status: 'failure' });
  const unauthenticated = failure(401, 'User Not Authenticated', 'Required to provide Auth information');

  const standIn = await startStandIn({
    name: 'servicenow',
    notFound: () => failure(400, 'Requested URI does not represent any resource', null),
    routes: [
      {
        method: 'GET',
        path: '/api/now/table/{table}',
        handle: (request) => {
          const identity = identify(request);
          if (!identity) return unauthenticated;
          const table = tables[request.params['table']];
          if (!table) return { ...failure(400, `Invalid table ${request.params['table']}`, null), identity };
          const limit = Number(request.query.get('sysparm_limit') ?? 10000);
          const result = table.slice(0, limit);
          return { ...json(200, { result }, { 'x-total-count': String(table.length) }), identity };
        },
      },
      {
        method: 'POST',
        path: '/api/now/table/{table}',
        handle: (request) => {
          const identity = identify(request);
          if (!identity) return unauthenticated;
          const name = request.params['table'];
          const table = tables[name];
          if (!table) return { ...failure(400, `Invalid table ${name}`, null), identity };
          const fields = request.json();
          if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
            return { ...failure(400, 'Exception while reading request', 'The payload is not valid JSON.'), identity };
          }
          const prefix = name === 'incident' ? 'INC' : name === 'change_request' ? 'CHG' : undefined;
          const record: Record<string, unknown> = {
            ...(fields as Record<string, unknown>),
            sys_id: randomBytes(16).toString('hex'),
            ...(prefix ? { number: `${prefix}${String(10001 + table.length).padStart(7, '0')}` } : {}),
            sys_created_by: username,
          };
          table.push(record);
          return {
            ...json(201, { result: record }, { location: `${standIn.url}/api/now/table/${name}/${record['sys_id']}` }),
            identity,
          };
        },
      },
    ],
  });
  return { ...standIn, username, password, oauthToken, tables };
}
