import { Inject, Injectable, Logger } from '@nestjs/common';
import * as path from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { AuthService } from '../auth/auth.service';
import { CONFIG, ConduitConfig } from '../config/config';
import { fileExists, removeFile, writePrivateFile } from '../common/files';
import { DelegateTokenService } from '../delegates/delegate-token.service';
import { AccountEntity, OrganizationEntity, ProjectEntity } from './scope.entities';

/** Serializes first-start set-up across replicas starting together. */
const BOOTSTRAP_LOCK_KEY = 7_420_002;
export const DEFAULT_IDENTIFIER = 'default';

export interface BootstrapResult {
  /** Present only on the start that created it: the admin API key is shown once. */
  adminApiKey?: string;
  adminApiKeyFile: string;
}

/**
 * First start: the default account, organization and project, an admin principal with an API key written
 * to $CONDUIT_HOME/admin-api-key (mode 0600). The key file is written before the transaction commits, so
 * a crash leaves either nothing or a key that works.
 */
@Injectable()
export class BootstrapService {
  private readonly logger = new Logger(BootstrapService.name);

  constructor(
    @Inject(CONFIG) private readonly config: ConduitConfig,
    private readonly dataSource: DataSource,
    private readonly auth: AuthService,
    private readonly delegateTokens: DelegateTokenService,
  ) {}

  get adminApiKeyFile(): string {
    return path.join(this.config.home, 'admin-api-key');
  }

  get localDelegateTokenFile(): string {
    return path.join(this.config.home, 'delegate-token');
  }

  async bootstrap(): Promise<BootstrapResult> {
    const file = this.adminApiKeyFile;
    let adminApiKey: string | undefined;
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
        if (await manager.exists(AccountEntity)) return;
        const { apiKey } = await this.createAccount(manager, DEFAULT_IDENTIFIER, 'Default account');
        await writePrivateFile(file, `${apiKey}\n`);
        adminApiKey = apiKey;
      });
    } catch (error) {
      if (adminApiKey) await removeFile(file);
      throw error;
    }
    if (adminApiKey) this.logger.log(`first start: created the default account, org and project; admin API key written to ${file}`);
    return { adminApiKey, adminApiKeyFile: file };
  }

  /** An account with its default organization and project, and an admin principal holding a new API key. */
  async createAccount(manager: EntityManager, identifier: string, name: string): Promise<{ accountId: string; apiKey: string }> {
    const account = await manager.save(manager.create(AccountEntity, { identifier, name }));
    const org = await manager.save(
      manager.create(OrganizationEntity, { accountId: account.id, identifier: DEFAULT_IDENTIFIER, name: 'Default organization' }),
    );
    await manager.save(
      manager.create(ProjectEntity, { accountId: account.id, organizationId: org.id, identifier: DEFAULT_IDENTIFIER, name: 'Default project' }),
    );
    const { apiKey } = await this.auth.createPrincipalWithKey(manager, {
      accountId: account.id,
      name: 'admin',
      kind: 'user',
      role: 'admin',
      keyName: 'bootstrap admin key',
    });
    return { accountId: account.id, apiKey };
  }

  /**
   * For `npm start`'s local delegate: a delegate token at account scope in $CONDUIT_HOME/delegate-token,
   * created when the file is missing (the token itself is shown nowhere else).
   */
  async ensureLocalDelegateToken(): Promise<string> {
    const file = this.localDelegateTokenFile;
    if (await fileExists(file)) return file;
    const account = await this.dataSource.getRepository(AccountEntity).findOneByOrFail({ identifier: DEFAULT_IDENTIFIER });
    await this.dataSource.transaction(async (manager: EntityManager) => {
      const { token } = await this.delegateTokens.create(manager, { accountId: account.id, name: 'local' });
      await writePrivateFile(file, `${token}\n`);
    });
    return file;
  }
}
