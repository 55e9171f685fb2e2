import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { connectivityFields, httpUrl, text } from '../schema/fields';
import { secretRef } from '../schema/references';

export const newRelicSpec = z.object({
  url: httpUrl('API URL, e.g. https://insights-api.newrelic.com/ or https://insights-api.eu.newrelic.com/'),
  newRelicAccountId: text('New Relic account id', 64),
  apiKeyRef: secretRef('Reference to the API (query) key'),
  ...connectivityFields,
});

export const newRelicConnector = defineConnectorType({
  type: 'NewRelic',
  displayName: 'New Relic',
  category: 'Observability',
  description: 'New Relic metrics (NRQL) for verification and alerts.',
  authKinds: ['ApiKey'],
  schema: newRelicSpec,
});
