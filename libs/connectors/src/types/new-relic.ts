import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { newRelicOperations } from '../operations/observability-test';
import { connectivityFields, httpUrl, serverTrustFields, text } from '../schema/fields';
import { secretRef } from '../schema/references';

export const newRelicSpec = z.object({
  url: httpUrl('API URL, e.g. https://insights-api.newrelic.com/ or https://insights-api.eu.newrelic.com/'),
  newRelicAccountId: text('New Relic account id', 64),
  apiKeyRef: secretRef('Reference to the API (query) key'),
  // Conduit's addition: the connection test asks NerdGraph who the key belongs to.
  apiUrl: httpUrl(
    'NerdGraph endpoint; defaults to https://api.newrelic.com/graphql (api.eu.newrelic.com for an EU url); override for private endpoints and tests',
  ).optional(),
  ...connectivityFields,
  ...serverTrustFields,
});

export const newRelicConnector = defineConnectorType({
  type: 'NewRelic',
  displayName: 'New Relic',
  category: 'Observability',
  description: 'New Relic metrics (NRQL) for verification and alerts.',
  authKinds: ['ApiKey'],
  schema: newRelicSpec,
  operations: newRelicOperations,
});
