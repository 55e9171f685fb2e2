import type { Role } from './auth.entities';

export interface RoleGrant {
  role: Role;
  accountId: string;
  organizationId: string | null;
  projectId: string | null;
}

/** The authenticated caller of a request. */
export interface Principal {
  id: string;
  name: string;
  accountId: string;
  apiKeyId: string;
  grants: RoleGrant[];
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}
