/**
 * Master key rotation with no downtime: re-wraps, under the current master key, every secret version whose
 * envelope has a master recipient under an older key. Only the wrapped data key changes; the ciphertext and
 * the delegate groups' entries stay as they are.
 *
 *   SWC_NODE_PROJECT=tsconfig.json DATABASE_URL=postgres://… CONDUIT_MASTER_KEYS=new-id:<key>,old-id:<key> \
 *     node -r @swc-node/register apps/control-plane/src/secrets/rewrap-master-key.ts [--batch-size=100]
 *
 * Procedure:
 *   1. Restart the replicas one by one with CONDUIT_MASTER_KEYS = "new,old" (the first key is current): they
 *      seal new values with the new key and still open envelopes under the old one, so nothing stops.
 *   2. Run this command with the same CONDUIT_MASTER_KEYS. It works in batches (one transaction each, rows
 *      locked while rewritten), is idempotent (a second run finds nothing to do) and prints counts as it goes
 *      and a JSON summary at the end. Exit code 1 if some envelope could not be re-wrapped (named by secret
 *      address and version; never a value).
 *   3. When it reports `remaining: 0`, drop the old key from CONDUIT_MASTER_KEYS and restart the replicas.
 */
import { CryptoError, MasterKey, parseSealedSecret, rewrapMaster, SealedSecret, secretSealingContext } from '@conduit/crypto';
import { DataSource } from 'typeorm';
import { parseMasterKeys } from './master-keyring';

export interface RewrapCounts {
  /** Versions found with a master recipient under a key other than the current one. */
  examined: number;
  rewrapped: number;
  /** Wrapped under a key id this command was not given: left as they are. */
  unknownKey: number;
  failed: number;
  /** Versions still holding a master recipient under an old key after the run. */
  remaining: number;
}

interface VersionRow {
  secret_id: string;
  version: number;
  sealed: unknown;
  identifier: string;
  account: string;
  org: string | null;
  project: string | null;
}

const HAS_OLD_MASTER = `EXISTS (SELECT 1 FROM jsonb_array_elements(v.sealed->'recipients') r WHERE r->>'kind' = 'master' AND r->>'keyId' <> $1)`;

/** Re-wraps every master recipient under an old key (listed in `keys`) to `keys[0]`. */
export async function rewrapMasterKeys(dataSource: DataSource, keys: MasterKey[], options: { batchSize?: number; log?: (line: string) => void } = {}): Promise<RewrapCounts> {
  const [current] = keys;
  if (!current) throw new Error('CONDUIT_MASTER_KEYS: no key given');
  const byId = new Map(keys.map((k) => [k.keyId, k]));
  const batchSize = options.batchSize ?? 100;
  const log = options.log ?? (() => undefined);
  const counts: RewrapCounts = { examined: 0, rewrapped: 0, unknownKey: 0, failed: 0, remaining: 0 };
  let after: [string, number] = ['00000000-0000-0000-0000-000000000000', 0];
  for (let batch = 1; ; batch++) {
    const rows = await dataSource.transaction(async (manager) => {
      const found = (await manager.query(
        `SELECT v.secret_id, v.version, v.sealed, s.identifier, a.identifier AS account, o.identifier AS org, p.identifier AS project
           FROM secret_versions v JOIN secrets s ON s.id = v.secret_id JOIN accounts a ON a.id = s.account_id
           LEFT JOIN organizations o ON o.id = s.organization_id LEFT JOIN projects p ON p.id = s.project_id
          WHERE v.sealed IS NOT NULL AND ${HAS_OLD_MASTER} AND (v.secret_id, v.version) > ($2::uuid, $3::int)
          ORDER BY v.secret_id, v.version LIMIT $4 FOR UPDATE OF v`,
        [current.keyId, after[0], after[1], batchSize],
      )) as VersionRow[];
      const before = { ...counts };
      for (const row of found) {
        const next = rewrapOne(row, current, byId, counts, log);
        if (next) await manager.query(`UPDATE secret_versions SET sealed = $3::jsonb WHERE secret_id = $1 AND version = $2`, [row.secret_id, row.version, JSON.stringify(next)]);
      }
      if (found.length) log(`batch ${batch}: ${found.length} version(s), re-wrapped ${counts.rewrapped - before.rewrapped}, unknown key ${counts.unknownKey - before.unknownKey}, failed ${counts.failed - before.failed}`);
      return found;
    });
    const last = rows[rows.length - 1];
    if (!last) break;
    after = [last.secret_id, last.version];
    if (rows.length < batchSize) break;
  }
  const [left] = (await dataSource.query(`SELECT count(*)::int AS n FROM secret_versions v WHERE v.sealed IS NOT NULL AND ${HAS_OLD_MASTER}`, [current.keyId])) as Array<{ n: number }>;
  counts.remaining = left?.n ?? 0;
  return counts;
}

/** The envelope re-wrapped to `current`, or undefined when it is left as it is (counted and logged). */
function rewrapOne(row: VersionRow, current: MasterKey, byId: Map<string, MasterKey>, counts: RewrapCounts, log: (line: string) => void): SealedSecret | undefined {
  counts.examined++;
  const context = secretSealingContext({ account: row.account, org: row.org, project: row.project, identifier: row.identifier }, row.version);
  const where = `${context.secretId} version ${row.version}`;
  let sealed: SealedSecret;
  try {
    sealed = parseSealedSecret(row.sealed);
    const old = sealed.recipients.filter((r) => r.kind === 'master' && r.keyId !== current.keyId).map((r) => r.keyId);
    const unknown = old.filter((id) => !byId.has(id));
    if (unknown.length) {
      counts.unknownKey++;
      log(`${where}: wrapped under master key ${unknown.join(', ')}, which CONDUIT_MASTER_KEYS does not list; left as it is`);
      return undefined;
    }
    for (const keyId of old) sealed = rewrapMaster(sealed, context, byId.get(keyId) as MasterKey, current);
  } catch (error) {
    counts.failed++;
    log(`${where}: not re-wrapped (${error instanceof CryptoError ? `${error.code}: ${error.message}` : (error as Error).message})`);
    return undefined;
  }
  counts.rewrapped++;
  return sealed;
}

const say = (line: string) => void process.stdout.write(`${line}\n`);
const complain = (line: string) => void process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  const keysText = process.env['CONDUIT_MASTER_KEYS'];
  if (!url || !keysText) {
    complain('set DATABASE_URL and CONDUIT_MASTER_KEYS ("new-id:<base64url 32 bytes>,old-id:<…>", the new key first)');
    process.exit(2);
  }
  const sizeArg = process.argv.find((a) => a.startsWith('--batch-size='));
  const batchSize = sizeArg ? Number(sizeArg.split('=')[1]) : 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    complain('--batch-size must be an integer from 1 to 10000');
    process.exit(2);
  }
  let keys: MasterKey[];
  try {
    keys = parseMasterKeys(keysText);
  } catch (error) {
    complain(`CONDUIT_MASTER_KEYS: ${(error as Error).message}`);
    process.exit(2);
  }
  const dataSource = new DataSource({ type: 'postgres', url, logging: false, extra: { max: 2 } });
  await dataSource.initialize();
  try {
    say(`re-wrapping master recipients to key '${keys[0]?.keyId}' (keys given: ${keys.map((k) => k.keyId).join(', ')}), batches of ${batchSize}`);
    const counts = await rewrapMasterKeys(dataSource, keys, { batchSize, log: say });
    say(JSON.stringify(counts));
    if (counts.failed > 0) process.exitCode = 1;
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    complain(`rewrap-master-key failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
