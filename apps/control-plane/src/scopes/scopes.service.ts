import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { parseConnectorRef, InvalidReferenceError } from '@conduit/connectors';
import { Repository } from 'typeorm';
import { ApiError } from '../common/api-error';
import { describeScope, Scope, scopeChain } from './scope';
import { coalescedByOrdinal } from '../common/coalesced';
import { AccountEntity } from './scope.entities';

/** Where a request acts: `?org=…&project=…`; both absent means the account itself. */
export interface ScopeQuery {
  org?: string | undefined;
  project?: string | undefined;
}

interface NamedScopeRow {
  account: string;
  org_id: string | null;
  org: string | null;
  project_id: string | null;
  project: string | null;
}

interface StoredScopeRow {
  account: string;
  org: string | null;
  project: string | null;
}

function accountScope(accountId: string, accountIdentifier: string): Scope {
  return { level: 'account', accountId, organizationId: null, projectId: null, accountIdentifier, orgIdentifier: null, projectIdentifier: null };
}

@Injectable()
export class ScopesService {
  /** Identifiers named in requests, resolved for every request of the same loop turn in one query. */
  private readonly named = coalescedByOrdinal<{ accountId: string; org: string | null; project: string | null }, NamedScopeRow>(
    (sql, params) => this.accounts.query(sql, params),
    `SELECT q.n, a.identifier AS account, o.id AS org_id, o.identifier AS org, p.id AS project_id, p.identifier AS project
       FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS q(account_id, org, project, n)
       JOIN accounts a ON a.id = q.account_id
       LEFT JOIN organizations o ON o.account_id = a.id AND o.identifier = q.org
       LEFT JOIN projects p ON p.organization_id = o.id AND p.identifier = q.project`,
    [(k) => k.accountId, (k) => k.org, (k) => k.project],
  );

  /** Identifiers of stored rows' scopes, likewise. */
  private readonly stored = coalescedByOrdinal<{ accountId: string; organizationId: string | null; projectId: string | null }, StoredScopeRow>(
    (sql, params) => this.accounts.query(sql, params),
    `SELECT q.n, a.identifier AS account, o.identifier AS org, p.identifier AS project
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS q(account_id, org_id, project_id, n)
       JOIN accounts a ON a.id = q.account_id
       LEFT JOIN organizations o ON o.id = q.org_id AND o.account_id = a.id
       LEFT JOIN projects p ON p.id = q.project_id AND p.organization_id = o.id`,
    [(k) => k.accountId, (k) => k.organizationId, (k) => k.projectId],
  );

  /**
   * Account identifiers, once read: an account is never renamed or deleted, so an account-level scope needs no
   * query after the first (organizations and projects are read every time: they can go).
   */
  private readonly accountIdentifiers = new Map<string, string>();

  constructor(@InjectRepository(AccountEntity) private readonly accounts: Repository<AccountEntity>) {}

  /** Resolves identifiers to a scope of the caller's account; unknown ones are a 404 naming them. */
  async resolve(accountId: string, query: ScopeQuery): Promise<Scope> {
    if (query.project && !query.org) {
      throw ApiError.badRequest(`project: '${query.project}' needs its organization: add org=<identifier>`, [
        { path: 'org', message: 'org: required when project is given' },
      ]);
    }
    const known = this.accountIdentifiers.get(accountId);
    if (known !== undefined && !query.org) return accountScope(accountId, known);
    const row = await this.named.load({ accountId, org: query.org ?? null, project: query.project ?? null });
    if (!row) throw ApiError.unauthenticated('the account of this API key no longer exists');
    this.accountIdentifiers.set(accountId, row.account);
    const scope: Scope = {
      level: 'account',
      accountId,
      organizationId: null,
      projectId: null,
      accountIdentifier: row.account,
      orgIdentifier: null,
      projectIdentifier: null,
    };
    if (!query.org) return scope;
    if (!row.org_id) throw ApiError.notFound(`organization '${query.org}' not found in account '${row.account}'`);
    Object.assign(scope, { level: 'org', organizationId: row.org_id, orgIdentifier: row.org });
    if (!query.project) return scope;
    if (!row.project_id) throw ApiError.notFound(`project '${query.project}' not found in organization '${row.org}'`);
    return { ...scope, level: 'project', projectId: row.project_id, projectIdentifier: row.project };
  }

  /** The scope of a stored row (its account, organization and project ids). */
  async fromIds(accountId: string, organizationId: string | null, projectId: string | null): Promise<Scope> {
    const known = this.accountIdentifiers.get(accountId);
    if (known !== undefined && !organizationId && !projectId) return accountScope(accountId, known);
    const row = await this.stored.load({ accountId, organizationId, projectId });
    if (!row || (organizationId && row.org === null) || (projectId && row.project === null)) {
      throw new Error(`scope of account ${accountId}, organization ${organizationId ?? '-'}, project ${projectId ?? '-'} no longer exists`);
    }
    this.accountIdentifiers.set(accountId, row.account);
    return {
      level: projectId ? 'project' : organizationId ? 'org' : 'account',
      accountId,
      organizationId,
      projectId,
      accountIdentifier: row.account,
      orgIdentifier: row.org,
      projectIdentifier: row.project,
    };
  }

  /**
   * The scope a reference points at, seen from `from`: `account.x` → the account, `org.x` → the
   * organization of `from`, bare `x` → `from` itself. Errors name the reference and where it was read.
   */
  targetOf(from: Scope, ref: string): { scope: Scope; identifier: string } {
    let parsed;
    try {
      parsed = parseConnectorRef(ref);
    } catch (error) {
      if (error instanceof InvalidReferenceError) throw ApiError.badRequest(error.message, [{ path: 'ref', message: error.message }]);
      throw error;
    }
    const chain = scopeChain(from);
    const target =
      parsed.scope === 'account'
        ? chain[chain.length - 1]
        : parsed.scope === 'org'
          ? chain.find((s) => s.level === 'org')
          : from;
    if (!target) {
      throw ApiError.badRequest(`'${ref}' cannot be resolved from ${describeScope(from)}: it has no organization above it`, [
        { path: 'ref', message: `'${ref}': no organization above ${describeScope(from)}` },
      ]);
    }
    return { scope: target, identifier: parsed.identifier };
  }
}
