import { hash, verify } from '@node-rs/argon2';

// Algorithm is an ambient const enum (not importable under verbatimModuleSyntax); 2 = Argon2id.
const ARGON2ID = 2;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
}

/** argon2id with OWASP's minimum parameters (19 MiB, 2 passes). */
export const argon2PasswordHasher: PasswordHasher = {
  hash: (password) => hash(password, { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 }),
  verify: async (passwordHash, password) => {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  },
};

/** Verified against unknown emails so both failures take the same time. */
export const DUMMY_PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$7R7RvHdTIBAfUEh4o2GTnw$rqvINJFZvBvOda7ZIyrqPeXufic/89xEotUVKO9Eu84';
