import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type AppConfig } from '../config/index.js';
import { KeyRing, generateToken, generateVaultKey } from '../platform/crypto/index.js';
import { DataDirLockedError, openDatabase, runMigrations, setTransactionTracking, type Database } from '../platform/db/index.js';
import { createLogger, type Logger } from '../platform/log/index.js';
import { MIGRATIONS_FOLDER } from './wire.js';

export interface Bootstrapped {
  config: AppConfig;
  logger: Logger;
  database: Database;
  jwtSecret: string;
  keyRing: KeyRing;
}

/** Reads .env and the environment once; on any problem prints every one of them and exits. */
export function readConfigOrExit(): AppConfig {
  loadDotenv({ quiet: true });
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
      process.exit(2);
    }
    throw error;
  }
}

interface DevSecrets {
  jwtSecret: string;
  vaultKeys: Record<string, string>;
}

/**
 * Development only: without JWT_SECRET / VAULT_KEYS we generate them once and keep them in the data
 * dir, so sessions and encrypted secrets survive a restart. Production config refuses to start without them.
 */
export function resolveSecrets(config: AppConfig, dataRoot: string): { jwtSecret: string; keyRing: KeyRing } {
  let devSecrets: DevSecrets | undefined;
  const loadDevSecrets = (): DevSecrets => {
    if (devSecrets) return devSecrets;
    const path = join(dataRoot, 'dev-secrets.json');
    if (!existsSync(path)) {
      mkdirSync(dataRoot, { recursive: true });
      // Written whole under a temporary name, then linked into place: a process starting beside this one
      // finds no file or the complete one (never a half-written one), and when two create at once the
      // first link wins and both read its secrets.
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ jwtSecret: generateToken(48), vaultKeys: { dev1: generateVaultKey() } }, null, 2), { mode: 0o600 });
      try {
        linkSync(temporary, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        rmSync(temporary, { force: true });
      }
    }
    devSecrets = JSON.parse(readFileSync(path, 'utf8')) as DevSecrets;
    return devSecrets;
  };
  const jwtSecret = config.auth.jwtSecret ?? loadDevSecrets().jwtSecret;
  let keys = config.vault.keys;
  let activeKeyId = config.vault.activeKeyId;
  if (!keys) {
    const dev = loadDevSecrets();
    keys = new Map(Object.entries(dev.vaultKeys).map(([keyId, key]) => [keyId, Buffer.from(key, 'base64')]));
    activeKeyId = [...keys.keys()].at(-1);
  }
  return { jwtSecret, keyRing: new KeyRing(keys, activeKeyId ?? '') };
}

export function dataRootOf(config: AppConfig): string {
  return config.database.engine === 'pglite' ? resolve(dirname(config.database.dataDir)) : resolve('./data');
}

/** Config, logger, database (locked, migrated) and secrets: what every entry point starts from. */
export async function bootstrap(processName: string): Promise<Bootstrapped> {
  const config = readConfigOrExit();
  const logger = createLogger({ level: config.logLevel, name: `switchboard-${processName}` });
  const { jwtSecret, keyRing } = resolveSecrets(config, dataRootOf(config));
  setTransactionTracking(config.httpClient.refuseCallsInTransaction);
  let database: Database;
  try {
    database =
      config.database.engine === 'pglite'
        ? await openDatabase({ engine: 'pglite', dataDir: config.database.dataDir, thread: config.database.thread })
        : await openDatabase({ engine: 'postgres', url: config.database.url, poolMax: config.database.poolMax, applicationName: `switchboard-${processName}` });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(3);
    }
    throw error;
  }
  const { appliedNow } = await runMigrations(database, MIGRATIONS_FOLDER);
  if (appliedNow.length > 0) logger.info({ migrations: appliedNow }, 'applied database migrations');
  return { config, logger, database, jwtSecret, keyRing };
}

/** One step of a graceful shutdown; the name is what the log shows if the step is slow. */
export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

/**
 * SIGTERM/SIGINT: stop accepting, let in-flight work finish, close the database, exit. When the grace
 * timer fires, the log names the step still running and how long each step before it took, so a
 * shutdown that hangs says where.
 */
export function onShutdown(logger: Logger, graceMs: number, steps: readonly ShutdownStep[]): void {
  let isShuttingDown = false;
  const shutdown = (signal: string) => {
    if (isShuttingDown) return;
    isShuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const tookMs: Record<string, number> = {};
    let current = { name: '', startedAt: Date.now() };
    const timer = setTimeout(() => {
      logger.error({ runningStep: current.name, runningForMs: Date.now() - current.startedAt, stepsDoneMs: tookMs }, 'graceful shutdown timed out; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    void (async () => {
      for (const step of steps) {
        current = { name: step.name, startedAt: Date.now() };
        try {
          await step.run();
        } catch (error) {
          logger.error({ err: error, step: step.name }, 'shutdown step failed');
        }
        tookMs[step.name] = Date.now() - current.startedAt;
      }
      logger.info({ stepsDoneMs: tookMs }, 'stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
