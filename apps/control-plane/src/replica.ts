import { randomBytes } from 'node:crypto';
import { ConduitConfig } from './config/config';

/** Injection token: this control-plane process's id among replicas sharing a database. */
export const REPLICA_ID = Symbol('ReplicaId');

export function replicaIdFrom(config: ConduitConfig): string {
  return config.REPLICA_ID ?? `cp-${randomBytes(4).toString('hex')}`;
}
