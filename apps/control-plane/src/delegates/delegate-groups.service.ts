import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { loadPublicKey, publicKeyFingerprint } from '@conduit/crypto';
import { Repository } from 'typeorm';
import { DelegateGroupEntity } from './delegate.entities';

export type GroupKeyCheck = { ok: true; group: DelegateGroupEntity } | { ok: false; message: string };

/**
 * Delegate groups and their public keys. A group's key pair is made on the delegate side and shared by
 * its replicas; the control plane learns the public key from the first delegate of the group that
 * connects (trust on first use) and refuses a replica presenting another key.
 */
@Injectable()
export class DelegateGroupsService {
  constructor(@InjectRepository(DelegateGroupEntity) private readonly groups: Repository<DelegateGroupEntity>) {}

  async registerKey(accountId: string, name: string, publicKey: string): Promise<GroupKeyCheck> {
    try {
      loadPublicKey(publicKey);
    } catch {
      return { ok: false, message: 'publicKey: not an X25519 public key (32 bytes, base64url)' };
    }
    await this.groups.query(
      `INSERT INTO delegate_groups (account_id, name, public_key, key_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, now(), now()) ON CONFLICT (account_id, name) DO NOTHING`,
      [accountId, name, publicKey, publicKeyFingerprint(publicKey)],
    );
    const group = await this.groups.findOneByOrFail({ accountId, name });
    if (group.publicKey !== publicKey) {
      return {
        ok: false,
        message: `delegate group '${name}' has key ${group.keyId}, this delegate presents ${publicKeyFingerprint(publicKey)}: every replica of a group must use the group's key file`,
      };
    }
    return { ok: true, group };
  }

  listForAccount(accountId: string): Promise<DelegateGroupEntity[]> {
    return this.groups.find({ where: { accountId }, order: { name: 'ASC' } });
  }
}
