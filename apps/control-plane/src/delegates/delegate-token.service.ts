import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { generateToken, hashSecretToken, parseToken, verifySecretToken } from '@conduit/crypto';
import { EntityManager, Repository } from 'typeorm';
import { DelegateTokenEntity } from './delegate.entities';

export const DELEGATE_TOKEN_PREFIX = 'cdd';

export type TokenCheck =
  | { ok: true; token: DelegateTokenEntity }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' };

@Injectable()
export class DelegateTokenService {
  constructor(@InjectRepository(DelegateTokenEntity) private readonly tokens: Repository<DelegateTokenEntity>) {}

  /** Creates a token; the returned plaintext is never stored and cannot be shown again. */
  async create(
    manager: EntityManager,
    input: { accountId: string; organizationId?: string | null; projectId?: string | null; name: string },
  ): Promise<{ entity: DelegateTokenEntity; token: string }> {
    const token = generateToken(DELEGATE_TOKEN_PREFIX);
    const { id } = parseToken(token, DELEGATE_TOKEN_PREFIX) as { id: string };
    const entity = await manager.save(
      manager.create(DelegateTokenEntity, {
        tokenId: id,
        secretHash: hashSecretToken(token),
        name: input.name,
        accountId: input.accountId,
        organizationId: input.organizationId ?? null,
        projectId: input.projectId ?? null,
      }),
    );
    return { entity, token };
  }

  async check(presented: string): Promise<TokenCheck> {
    const parsed = parseToken(presented, DELEGATE_TOKEN_PREFIX);
    if (!parsed) return { ok: false, reason: 'malformed' };
    const token = await this.tokens.findOneBy({ tokenId: parsed.id });
    if (!token || !verifySecretToken(presented, token.secretHash)) return { ok: false, reason: 'unknown' };
    if (token.revokedAt) return { ok: false, reason: 'revoked' };
    return { ok: true, token };
  }
}
