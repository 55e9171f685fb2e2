import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { datadogOperations } from '../operations/observability-test';
import { connectivityFields, httpUrl, serverTrustFields } from '../schema/fields';
import { secretRef } from '../schema/references';

export const datadogSpec = z.object({
  url: httpUrl('API URL of the Datadog site, e.g. https://app.datadoghq.com/api/ or https://app.datadoghq.eu/api/'),
  apiKeyRef: secretRef('Reference to the API key'),
  applicationKeyRef: secretRef('Reference to the application key'),
  ...connectivityFields,
  ...serverTrustFields,
});

export const datadogConnector = defineConnectorType({
  type: 'Datadog',
  displayName: 'Datadog',
  category: 'Observability',
  description: 'Datadog metrics and logs for verification and alerts.',
  docsHint: 'Queries need both an API key and an application key of the same organization.',
  authKinds: ['ApiKey'],
  schema: datadogSpec,
  operations: datadogOperations,
});
