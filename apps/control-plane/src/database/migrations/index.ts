import { Foundation1764288000000 } from './1764288000000-foundation';
import { Connectors1764288100000 } from './1764288100000-connectors';
import { Secrets1764288200000 } from './1764288200000-secrets';

/** Every migration, oldest first. Registered explicitly so the bundle needs no file globbing. */
export const migrations = [Foundation1764288000000, Connectors1764288100000, Secrets1764288200000];
