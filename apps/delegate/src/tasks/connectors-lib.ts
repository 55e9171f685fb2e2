import type * as Connectors from '@conduit/connectors';

let loaded: Promise<typeof Connectors> | undefined;

/**
 * The connector catalog and its protocol clients (undici, ssh2, the vendor code) load with the first task
 * that needs them, not at start: an idle delegate stays small.
 */
export function connectorsLib(): Promise<typeof Connectors> {
  loaded ??= import('@conduit/connectors');
  return loaded;
}
