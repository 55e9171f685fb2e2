/** Injection token: the PostgreSQL URL in use (external, or the embedded server's loopback URL). */
export const DATABASE_URL = Symbol('DatabaseUrl');
