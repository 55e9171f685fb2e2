import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { generateToken, hashSecretToken, parseToken, verifySecretToken } from '@conduit/crypto';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { ApiKeyEntity, PrincipalEntity, Role, RoleBindingEntity } from './auth.entities';
import { Principal } from './principal';

export const API_KEY_PREFIX = 'cdk';

/** last_used_at is informative; writing it on every request would cost a write per read. */
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class AuthService {
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly apiKeys: Repository<ApiKeyEntity>,
    @InjectRepository(PrincipalEntity) private readonly principals: Repository<PrincipalEntity>,
    @InjectRepository(RoleBindingEntity) private readonly bindings: Repository<RoleBindingEntity>,
  ) {}

  /** The principal behind a presented API key, or null when the key is unknown, malformed or revoked. */
  async authenticate(presented: string): Promise<Principal | null> {
    const parsed = parseToken(presented, API_KEY_PREFIX);
    if (!parsed) return null;
    const key = await this.apiKeys.findOne({ where: { keyId: parsed.id, revokedAt: IsNull() } });
    if (!key || !verifySecretToken(presented, key.secretHash)) return null;
    const principal = await this.principals.findOneBy({ id: key.principalId });
    if (!principal) return null;
    const grants = await this.bindings.findBy({ principalId: principal.id });
    this.touch(key.id);
    return {
      id: principal.id,
      name: principal.name,
      accountId: principal.accountId,
      apiKeyId: key.id,
      grants: grants.map(({ role, accountId, organizationId, projectId }) => ({ role, accountId, organizationId, projectId })),
    };
  }

  /** Creates a principal with a role at account scope and an API key for it; returns the key, once. */
  async createPrincipalWithKey(
    manager: EntityManager,
    input: { accountId: string; name: string; kind: 'user' | 'service'; role: Role; keyName: string },
  ): Promise<{ principal: PrincipalEntity; apiKey: string }> {
    const principal = await manager.save(
      manager.create(PrincipalEntity, { accountId: input.accountId, name: input.name, kind: input.kind }),
    );
    await manager.save(
      manager.create(RoleBindingEntity, {
        principalId: principal.id,
        role: input.role,
        accountId: input.accountId,
        organizationId: null,
        projectId: null,
      }),
    );
    const { apiKey } = await this.createApiKey(manager, principal.id, input.keyName);
    return { principal, apiKey };
  }

  /** A new API key for a principal; the plaintext is returned once and only its hash is stored. */
  async createApiKey(manager: EntityManager, principalId: string, name: string): Promise<{ keyId: string; apiKey: string }> {
    const apiKey = generateToken(API_KEY_PREFIX);
    const { id } = parseToken(apiKey, API_KEY_PREFIX) as { id: string };
    const key = await manager.save(manager.create(ApiKeyEntity, { keyId: id, secretHash: hashSecretToken(apiKey), principalId, name }));
    return { keyId: key.id, apiKey };
  }

  private touch(apiKeyId: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(apiKeyId) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(apiKeyId, now);
    void this.apiKeys.update({ id: apiKeyId }, { lastUsedAt: new Date(now) }).catch(() => undefined);
  }
}
