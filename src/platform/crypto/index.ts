export { KeyRing, MissingKeyError, CiphertextError, generateVaultKey } from './key-ring.js';
export { sha256Hex, isSameSecret, generateToken } from './hashing.js';
