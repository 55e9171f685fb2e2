import { z } from 'zod';
import { defineConnectorType } from '../definition';
import { prometheusOperations } from '../operations/prometheus-test';
import { headerList } from '../schema/auth';
import { connectivityFields, httpUrl, serverTrustFields, text } from '../schema/fields';
import { secretRef } from '../schema/references';

export const prometheusSpec = z
  .object({
    url: httpUrl('Prometheus server URL, e.g. http://prometheus.monitoring:9090/'),
    username: text('User name for basic authentication (not secret)').optional(),
    passwordRef: secretRef('Reference to the basic-authentication password').optional(),
    // Bearer tokens and tenant headers (e.g. X-Scope-OrgID) go here; credential headers must come from secrets.
    headers: headerList.optional(),
    ...connectivityFields,
    ...serverTrustFields,
  })
  .superRefine((spec, ctx) => {
    if ((spec.username === undefined) !== (spec.passwordRef === undefined)) {
      const missing = spec.username === undefined ? 'username' : 'passwordRef';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'basic authentication needs username and passwordRef' });
    }
  });

export const prometheusConnector = defineConnectorType({
  type: 'Prometheus',
  displayName: 'Prometheus',
  category: 'Observability',
  description: 'Prometheus-compatible query API (Prometheus, Thanos, Mimir, Cortex) for verification and alerts.',
  authKinds: ['Anonymous', 'HttpBasic', 'HttpToken'],
  schema: prometheusSpec,
  operations: prometheusOperations,
});
