import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { parseConnectorRef, InvalidReferenceError } from '@conduit/connectors';
import { Repository } from 'typeorm';
import { ApiError } from '../common/api-error';
import { describeScope, Scope, scopeChain } from './scope';
import { AccountEntity, OrganizationEntity, ProjectEntity } from './scope.entities';

/** Where a request acts: `?org=…&project=…`; both absent means the account itself. */
export interface ScopeQuery {
  org?: string | undefined;
  project?: string | undefined;
}

@Injectable()
export class ScopesService {
  constructor(
    @InjectRepository(AccountEntity) private readonly accounts: Repository<AccountEntity>,
    @InjectRepository(OrganizationEntity) private readonly orgs: Repository<OrganizationEntity>,
    @InjectRepository(ProjectEntity) private readonly projects: Repository<ProjectEntity>,
  ) {}

  /** Resolves identifiers to a scope of the caller's account; unknown ones are a 404 naming them. */
  async resolve(accountId: string, query: ScopeQuery): Promise<Scope> {
    if (query.project && !query.org) {
      throw ApiError.badRequest(`project: '${query.project}' needs its organization: add org=<identifier>`, [
        { path: 'org', message: 'org: required when project is given' },
      ]);
    }
    // One round trip for the account, and the organization and project when named.
    const [row] = (await this.accounts.query(
      `SELECT a.identifier AS account, o.id AS org_id, o.identifier AS org, p.id AS project_id, p.identifier AS project
         FROM accounts a
         LEFT JOIN organizations o ON o.account_id = a.id AND o.identifier = $2
         LEFT JOIN projects p ON p.organization_id = o.id AND p.identifier = $3
        WHERE a.id = $1`,
      [accountId, query.org ?? null, query.project ?? null],
    )) as Array<{ account: string; org_id: string | null; org: string | null; project_id: string | null; project: string | null }>;
    if (!row) throw ApiError.unauthenticated('the account of this API key no longer exists');
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
    const account = await this.accounts.findOneByOrFail({ id: accountId });
    const org = organizationId ? await this.orgs.findOneByOrFail({ id: organizationId }) : null;
    const project = projectId ? await this.projects.findOneByOrFail({ id: projectId }) : null;
    return {
      level: project ? 'project' : org ? 'org' : 'account',
      accountId,
      organizationId,
      projectId,
      accountIdentifier: account.identifier,
      orgIdentifier: org?.identifier ?? null,
      projectIdentifier: project?.identifier ?? null,
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
