import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';

const validKey = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('defaults to PGlite on port 3000 in development', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.database).toEqual({ engine: 'pglite', dataDir: './data/pglite', thread: 'worker' });
    expect(config.auth.jwtTtlSeconds).toBe(7 * 24 * 3600);
  });

  it('listens on loopback unless HOST says otherwise, in every mode', () => {
    expect(loadConfig({}).http.host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), VAULT_KEYS: `k1:${validKey}` }).http.host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0');
  });

  it('switches to PostgreSQL with DATABASE_URL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@localhost:5432/db' });
    expect(config.database.engine).toBe('postgres');
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ NODE_ENV: 'production', PORT: 'abc', DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('PORT');
      expect(problems).toContain('DATABASE_URL');
      expect(problems).toContain('LOG_LEVEL');
      expect(problems).toContain('JWT_SECRET');
      expect(problems).toContain('VAULT_KEYS');
      expect((error as ConfigError).message).not.toContain('short');
    }
  });

  it('requires a 32-character JWT secret outside development only', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31), VAULT_KEYS: `k1:${validKey}` })).toThrow(/JWT_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), VAULT_KEYS: `k1:${validKey}` }).auth.jwtSecret).toHaveLength(32);
    expect(loadConfig({ NODE_ENV: 'development', JWT_SECRET: 'short' }).auth.jwtSecret).toBe('short');
  });

  it('validates vault keys and the active key id', () => {
    expect(() => loadConfig({ VAULT_KEYS: 'k1:tooshort' })).toThrow(/32 bytes/);
    expect(() => loadConfig({ VAULT_KEYS: `k1:${validKey}`, VAULT_ACTIVE_KEY_ID: 'k2' })).toThrow(/VAULT_ACTIVE_KEY_ID/);
    const config = loadConfig({ VAULT_KEYS: `k1:${validKey},k2:${validKey}` });
    expect(config.vault.activeKeyId).toBe('k2');
  });
});
