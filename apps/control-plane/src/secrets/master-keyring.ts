import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { MasterKey } from '@conduit/crypto';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CONFIG, ConduitConfig } from '../config/config';
import { fileExists, writePrivateFile } from '../common/files';

/**
 * The control plane's master keys, for secrets that platform-run operations may open. The first is
 * current (new envelopes use it); the others still open older envelopes, so rotation needs no downtime:
 * add the new key first, re-wrap (apps/control-plane/src/secrets/rewrap-master-key.ts), then drop the old.
 */
@Injectable()
export class MasterKeyring implements OnModuleInit {
  private keys: MasterKey[] = [];

  constructor(@Inject(CONFIG) private readonly config: ConduitConfig) {}

  /** Loads the keys from CONDUIT_MASTER_KEYS, or from (first start: creates) $CONDUIT_HOME/master-key. */
  async onModuleInit(): Promise<void> {
    if (this.config.CONDUIT_MASTER_KEYS) {
      this.keys = parseMasterKeys(this.config.CONDUIT_MASTER_KEYS);
      return;
    }
    const file = path.join(this.config.home, 'master-key');
    if (!(await fileExists(file))) {
      await writePrivateFile(file, `mk-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}:${randomBytes(32).toString('base64url')}\n`);
    }
    this.keys = parseMasterKeys(readFileSync(file, 'utf8').trim());
  }

  get current(): MasterKey {
    const key = this.keys[0];
    if (!key) throw new Error('master keys not loaded');
    return key;
  }

  byId(keyId: string): MasterKey | undefined {
    return this.keys.find((k) => k.keyId === keyId);
  }
}

export function parseMasterKeys(text: string): MasterKey[] {
  return text.split(',').map((entry) => {
    const [keyId, encoded] = entry.trim().split(':') as [string, string];
    const key = Buffer.from(encoded, 'base64url');
    if (key.length !== 32) throw new Error(`master key '${keyId}' is not 32 bytes`);
    return { kind: 'master', keyId, key };
  });
}
