/**
 * STAND-IN for the Datadog API key check.
 *
 * Follows docs.datadoghq.com/api (Authentication: "Validate API key"): `GET /api/v1/validate` with
 * `DD-API-KEY` → 200 `{"valid":true}`, otherwise 403 `{"errors":["Forbidden"]}`.
 */
import { randomBytes } from 'node:crypto';
import { json, startStandIn, StandIn } from './stand-in';

export interface DatadogStandIn extends StandIn {
  apiKey: string;
}

export async function startDatadog(): Promise<DatadogStandIn> {
  const apiKey = randomBytes(16).toString('hex');
  const standIn = await startStandIn({
    name: 'datadog',
    notFound: () => json(404, { errors: ['Not found'] }),
    routes: [
      {
        method: 'GET',
        path: '/api/v1/validate',
        handle: (request) =>
          request.headers['dd-api-key'] === apiKey
            ? { ...json(200, { valid: true }), identity: 'api-key' }
            : json(403, { errors: ['Forbidden'] }),
      },
    ],
  });
  return { ...standIn, apiKey };
}
