import { Injectable } from '@nestjs/common';
import { pinnedHostKeys, SSH_FINGERPRINT_PATTERN, usesSshKey, withPinnedHostKey } from '@conduit/connectors';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import type { Actor } from '../auth/actor';
import { ApiError } from '../common/api-error';
import type { Scope } from '../scopes/scope';
import { ConnectorEntity } from './connector.entity';
import { ConnectorsService } from './connectors.service';

/** What a delegate reports with a host-key failure (task output: a WebSocket frame, so validated). */
const PresentedHostKey = z.object({ hostKey: z.object({ host: z.string().min(1).max(300), fingerprint: z.string().regex(SSH_FINGERPRINT_PATTERN) }) });

export const FingerprintParam = z.string().regex(SSH_FINGERPRINT_PATTERN, 'must be an SSH host key fingerprint: SHA256:<43 base64 characters>');

export interface HostKeyView {
  fingerprint: string;
  host: string;
  /** pinned: in the connector's knownHostFingerprints; pending: seen, waiting for an admin to confirm it. */
  state: 'pinned' | 'pending';
  firstSeenAt: Date;
  lastSeenAt: Date;
}

/**
 * First-seen capture of SSH host keys: a test that meets an unpinned host key keeps the fingerprint the
 * server presented; an admin who has verified it confirms it, which pins it in the connector (a new
 * version, audited). Nothing is trusted on first use: until then every test fails at the connection stage.
 */
@Injectable()
export class ConnectorHostKeys {
  constructor(
    private readonly dataSource: DataSource,
    private readonly connectors: ConnectorsService,
  ) {}

  /** Keeps the host key a failed test reports as not pinned; any other outcome is ignored. */
  async recordPresented(connectorId: string, errorCode: string | undefined, output: unknown): Promise<void> {
    if (errorCode !== 'HOST_KEY_NOT_PINNED') return;
    const presented = PresentedHostKey.safeParse(output);
    if (!presented.success) return;
    const { host, fingerprint } = presented.data.hostKey;
    await this.dataSource.query(
      `INSERT INTO connector_host_keys (connector_id, fingerprint, host) VALUES ($1, $2, $3)
       ON CONFLICT (connector_id, fingerprint) DO UPDATE SET host = EXCLUDED.host, last_seen_at = now()`,
      [connectorId, fingerprint, host],
    );
  }

  async list(connector: ConnectorEntity): Promise<HostKeyView[]> {
    const pinned = pinnedHostKeys(connector.spec);
    const rows = (await this.dataSource.query(
      `SELECT fingerprint, host, first_seen_at, last_seen_at FROM connector_host_keys WHERE connector_id = $1 ORDER BY first_seen_at DESC`,
      [connector.id],
    )) as Array<{ fingerprint: string; host: string; first_seen_at: Date; last_seen_at: Date }>;
    return rows.map((r) => ({ fingerprint: r.fingerprint, host: r.host, state: pinned.includes(r.fingerprint) ? 'pinned' : 'pending', firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at }));
  }

  /** Pins a fingerprint a test has seen: a connector update under the confirming admin's name. */
  async confirm(actor: Actor, scope: Scope, connector: ConnectorEntity, fingerprint: string): Promise<ConnectorEntity> {
    if (!usesSshKey(connector.spec)) {
      throw ApiError.badRequest(`connector '${connector.identifier}' does not authenticate with an SSH key: it has no host keys to pin`, [{ path: 'fingerprint', message: 'fingerprint: the connector uses no SSH key' }]);
    }
    const [seen] = (await this.dataSource.query(`SELECT 1 FROM connector_host_keys WHERE connector_id = $1 AND fingerprint = $2`, [connector.id, fingerprint])) as unknown[];
    if (!seen) {
      throw ApiError.notFound(`host key ${fingerprint} was never presented to connector '${connector.identifier}'; run a connection test to capture the server's key, or pin it in knownHostFingerprints`);
    }
    if (pinnedHostKeys(connector.spec).includes(fingerprint)) return connector;
    const { identifier, name, description, tags, type, version } = connector;
    return this.connectors.update(actor, scope, connector, { identifier, name, description, tags, type, version, spec: withPinnedHostKey(connector.spec, fingerprint) }, 'connector.host-key.confirm');
  }
}
