import { generateToken } from '../../platform/crypto/index.js';

/**
 * API keys and invite codes look like `<kind>_<prefix>_<secret>`: the prefix finds the row, the whole
 * code is only kept as a SHA-256 hash (they are high-entropy, so a slow hash adds nothing).
 */
export function generateSecretCode(kind: 'sbk' | 'inv'): { code: string; prefix: string } {
  const prefix = generateToken(9).replace(/[-_]/g, 'x');
  return { code: `${kind}_${prefix}_${generateToken(24)}`, prefix };
}

export function parseSecretCode(code: string, kind: 'sbk' | 'inv'): { prefix: string } | undefined {
  const match = /^([a-z]+)_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{20,})$/.exec(code.trim());
  if (!match || match[1] !== kind || !match[2]) return undefined;
  return { prefix: match[2] };
}
