import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(7420);
    expect(config.home).toMatch(/\.conduit$/);
    expect(config.databaseMode).toBe('embedded');
    expect(config.queueBackend).toBe('postgres');
  });

  it('chooses Redis and external PostgreSQL when their URLs are set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db/conduit', REDIS_URL: 'redis://cache:6379' });
    expect(config.databaseMode).toBe('external');
    expect(config.queueBackend).toBe('redis');
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://nope', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT');
    expect(problems).toContain('REDIS_URL: must be a URL starting with redis:// or rediss://');
    expect(problems).toContain('LOG_LEVEL');
  });

  it('validates the periodic validation settings, naming the variable', () => {
    expect(loadConfig({}).CONNECTOR_VALIDATION_INTERVAL_MS).toBe(1_800_000);
    expect(() => loadConfig({ CONNECTOR_VALIDATION_INTERVAL_MS: '10' })).toThrow(/CONNECTOR_VALIDATION_INTERVAL_MS: .*1000/);
    expect(() => loadConfig({ CONNECTOR_VALIDATION_IN_USE_DAYS: 'week' })).toThrow(/CONNECTOR_VALIDATION_IN_USE_DAYS/);
  });

  it('validates the task backlog limit, naming the variable', () => {
    expect(loadConfig({}).TASK_BACKLOG_LIMIT).toBe(5000);
    expect(loadConfig({ TASK_BACKLOG_LIMIT: '200' }).TASK_BACKLOG_LIMIT).toBe(200);
    expect(() => loadConfig({ TASK_BACKLOG_LIMIT: '0' })).toThrow(/TASK_BACKLOG_LIMIT: .*1/);
    expect(() => loadConfig({ TASK_BACKLOG_LIMIT: 'lots' })).toThrow(/TASK_BACKLOG_LIMIT/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).databaseMode).toBe('embedded');
  });
});
