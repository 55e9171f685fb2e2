import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { notificationActions } from '../operations/notifications';
import { pagerDutyOperations } from '../operations/collaboration-test';
import { connectivityFields, httpUrl, serverTrustFields } from '../schema/fields';
import { secretRef } from '../schema/references';

export const pagerDutySpec = z
  .object({
    // Harness's field: the REST API token, for reading services and incidents.
    apiTokenRef: secretRef('Reference to a REST API token').optional(),
    // Conduit's addition: raising alerts goes through the Events API, which takes an integration key instead.
    routingKeyRef: secretRef('Reference to an Events API v2 integration (routing) key').optional(),
    // Conduit's addition: one base for the REST and Events APIs, for private endpoints and tests.
    apiUrl: httpUrl(
      'API base overriding https://api.pagerduty.com and https://events.pagerduty.com; for private endpoints and tests',
    ).optional(),
    ...connectivityFields,
    ...serverTrustFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.apiTokenRef === undefined && spec.routingKeyRef === undefined) {
      ctx.addIssue({ code: 'custom', path: ['apiTokenRef'], message: 'is required (or routingKeyRef)' });
    }
  });

export const pagerDutyConnector = defineConnectorType({
  type: 'PagerDuty',
  displayName: 'PagerDuty',
  category: 'Collaboration',
  description: 'PagerDuty: raise and resolve alerts, read services and incidents.',
  authKinds: ['HttpToken', 'ApiKey'],
  schema: pagerDutySpec,
  operations: { ...pagerDutyOperations, actions: notificationActions('PagerDuty') },
});
