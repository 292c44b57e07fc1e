import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { describeError } from './safe-errors.js';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo';

function captureLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: createLogger({ level: 'trace', destination }), text: () => lines.join('\n') };
}

/** What drizzle throws for a failed insert on PGlite: its own error around the driver's, both carrying the values. */
function failedInsert(): DrizzleQueryError {
  const cause = Object.assign(new Error('new row for relation "users" violates check constraint "users_probe"'), {
    code: '23514',
    detail: `Failing row contains (usr_1, a@b.c, Probe, ${HASH}, member).`,
    table: 'users',
    constraint: 'users_probe',
    query: 'insert into "users" ("id", "email", "name", "password_hash") values ($1, $2, $3, $4)',
    params: ['usr_1', 'a@b.c', 'Probe', HASH],
    queryOptions: { paramTypes: [] },
  });
  return new DrizzleQueryError('insert into "users" ("id", "email", "name", "password_hash") values ($1, $2, $3, $4)', ['usr_1', 'a@b.c', 'Probe', HASH], cause);
}

describe('error logging', () => {
  it('logs a failed query with its statement and reason but without its parameters or the failing row', () => {
    const { logger, text } = captureLogger();
    logger.error({ err: failedInsert() }, 'unhandled error');
    const logged = text();
    expect(logged).not.toContain('$argon2');
    expect(logged).not.toContain('params');
    expect(logged).not.toContain('a@b.c');
    expect(logged).toContain('insert into \\"users\\"');
    expect(logged).toContain('violates check constraint');
    expect(logged).toContain('users_probe');
    expect(logged).toContain('Failing row contains [redacted]');
  });

  it('redacts secret-named fields at any depth of an error, causes and aggregates included', () => {
    const { logger, text } = captureLogger();
    const deep = Object.assign(new Error('GHL call failed'), {
      request: { url: 'https://x.test', headers: { Authorization: 'Bearer SECRET-BEARER', 'x-api-key': 'sbk_SECRET' } },
      response: { body: { access_token: 'SECRET-ACCESS', refresh_token: 'SECRET-REFRESH', nested: { client_secret: 'SECRET-CLIENT' } } },
      cause: Object.assign(new Error('inner'), { password: 'SECRET-PASSWORD', passwordHash: HASH }),
    });
    logger.warn({ err: new AggregateError([deep, failedInsert()], 'several failed') }, 'batch failed');
    logger.warn({ error: deep }, 'under another key');
    logger.warn(failedInsert().message);
    const logged = text();
    expect(logged).not.toMatch(/SECRET-/);
    expect(logged).not.toContain('$argon2');
    expect(logged).toContain('https://x.test');
    expect(logged).toContain('several failed');
  });

  it('describes an error for storage with the database reason and no parameters', () => {
    const described = describeError(failedInsert());
    expect(described).toContain('violates check constraint "users_probe"');
    expect(described).toContain('insert into "users"');
    expect(described).not.toContain('$argon2');
    expect(described).not.toContain('params');
  });
});
