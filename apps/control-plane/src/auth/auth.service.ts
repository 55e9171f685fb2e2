import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { generateToken, hashSecretToken, parseToken, verifySecretToken } from '@conduit/crypto';
import { EntityManager, Repository } from 'typeorm';
import { byKey, coalesced } from '../common/coalesced';
import { ApiKeyEntity, PrincipalEntity, Role, RoleBindingEntity } from './auth.entities';
import { Principal } from './principal';

export const API_KEY_PREFIX = 'cdk';

interface KeyRow {
  presented_id: string;
  key_id: string;
  secret_hash: string;
  principal_id: string;
  name: string;
  account_id: string;
  role: Role | null;
  b_account: string;
  b_org: string | null;
  b_project: string | null;
}

/** last_used_at is informative; writing it on every request would cost a write per read. */
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class AuthService {
  private readonly lastUsedWritten = new Map<string, number>();
  /** Each presented key's row, its principal and the principal's role bindings; concurrent requests share the query. */
  private readonly keyRows = coalesced<string, KeyRow[]>(async (keyIds) => {
    const rows = (await this.apiKeys.query(
      `SELECT k.key_id AS presented_id, k.id AS key_id, k.secret_hash, p.id AS principal_id, p.name, p.account_id,
              b.role, b.account_id AS b_account, b.organization_id AS b_org, b.project_id AS b_project
         FROM api_keys k JOIN principals p ON p.id = k.principal_id
         LEFT JOIN role_bindings b ON b.principal_id = p.id
        WHERE k.key_id = ANY($1::text[]) AND k.revoked_at IS NULL`,
      [keyIds],
    )) as KeyRow[];
    return byKey(keyIds, rows, (r) => r.presented_id);
  });

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly apiKeys: Repository<ApiKeyEntity>,
  ) {}

  /** The principal behind a presented API key, or null when the key is unknown, malformed or revoked. */
  async authenticate(presented: string): Promise<Principal | null> {
    const parsed = parseToken(presented, API_KEY_PREFIX);
    if (!parsed) return null;
    const rows = (await this.keyRows.load(parsed.id)) ?? [];
    const first = rows[0];
    if (!first || !verifySecretToken(presented, first.secret_hash)) return null;
    this.touch(first.key_id);
    return {
      id: first.principal_id,
      name: first.name,
      accountId: first.account_id,
      apiKeyId: first.key_id,
      grants: rows.filter((r) => r.role !== null).map((r) => ({ role: r.role as Role, accountId: r.b_account, organizationId: r.b_org, projectId: r.b_project })),
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
