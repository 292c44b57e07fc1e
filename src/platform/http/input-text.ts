/*
 * PostgreSQL text cannot hold U+0000, and a lone UTF-16 surrogate has no UTF-8 form (jsonb refuses
 * its escape; text columns would silently get U+FFFD). Both are refused at the edge, once, for every
 * string a request carries, so no route can hand one to the database.
 */

export interface InvalidText {
  /** JSON-pointer-like location, e.g. `/body/contacts/0/firstName`. */
  path: string;
  message: string;
}

const MAX_DEPTH = 64;
// Without the u flag a regex sees UTF-16 code units, so an unpaired half is matchable.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

function describeString(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL (U+0000) characters';
  if (LONE_SURROGATE.test(value)) return 'must not contain unpaired UTF-16 surrogates';
  return undefined;
}

/** The first string (or object key) in `value` PostgreSQL could not store faithfully, if any. */
export function findInvalidText(value: unknown, path: string): InvalidText | undefined {
  const found = findInvalidTextAt(value, 0);
  return found ? { path: `${path}${found.segments.map((segment) => `/${segment}`).join('')}`, message: found.message } : undefined;
}

// Runs on every request's headers, query and body: the path is built only for a string that fails,
// on the way back up, so clean input allocates nothing per key.
function findInvalidTextAt(value: unknown, depth: number): { segments: string[]; message: string } | undefined {
  if (typeof value === 'string') {
    const message = describeString(value);
    return message ? { segments: [], message } : undefined;
  }
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return undefined;
  // Raw bodies (webhooks verify bytes) are checked by their own routes.
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = findInvalidTextAt(value[index], depth + 1);
      if (found) {
        found.segments.unshift(String(index));
        return found;
      }
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const keyMessage = describeString(key);
    if (keyMessage) return { segments: [escapePointer(key)], message: `property name ${keyMessage}` };
    const found = findInvalidTextAt((value as Record<string, unknown>)[key], depth + 1);
    if (found) {
      found.segments.unshift(escapePointer(key));
      return found;
    }
  }
  return undefined;
}

function escapePointer(key: string): string {
  // The key itself may be the hostile part: show it without the characters that make it so.
  return key.replace(/~/g, '~0').replace(/\//g, '~1').replaceAll('\u0000', '\\u0000').replace(LONE_SURROGATES, (unit) => `\\u${unit.charCodeAt(0).toString(16)}`);
}
