import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

/**
 * GHL's published Ed25519 key for `x-ghl-signature`. Source: HighLevel Webhook Integration Guide
 * (marketplace.gohighlevel.com/docs, 2026), quoted identically by many integrators; recorded in
 * docs/reference ghl-api.md §5.3(b). Replace it with GHL_WEBHOOK_ED25519_PUBLIC_KEY on rotation.
 */
export const GHL_ED25519_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=
-----END PUBLIC KEY-----`;

/**
 * GHL's published RSA-4096 key for the legacy `x-wh-signature` (RSA-SHA256, PKCS#1 v1.5). Source:
 * GoHighLevel/highlevel-api-docs `WebhookAuthentication.md` and the live Integration Guide (2025-10),
 * ghl-api.md §5.3(a). Replace it with GHL_WEBHOOK_RSA_PUBLIC_KEY on rotation.
 */
export const GHL_RSA_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC
Frm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIcBOK4u3cLSqJGOLaPuXw6
dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfB
csedpinheNnyYeFXolrJvcsjDtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpv
uxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF
3kvoV5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKU
J062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xkx2zE/Juc+yjLjTXp
IocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzN
h/AMfHKIjE4xQA1SZuYJmNnmVZLIZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhC
HULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJ
PQe7z0cvj7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAyk
T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ==
-----END PUBLIC KEY-----`;

/** Parsed once: verifying with a KeyObject is several times faster than passing PEM per call. */
export interface GhlWebhookKeys {
  ed25519: KeyObject;
  rsa: KeyObject;
}

export function createGhlWebhookKeys(overrides: { ed25519Pem?: string | undefined; rsaPem?: string | undefined } = {}): GhlWebhookKeys {
  const ed25519 = createPublicKey(overrides.ed25519Pem ?? GHL_ED25519_PUBLIC_KEY_PEM);
  const rsa = createPublicKey(overrides.rsaPem ?? GHL_RSA_PUBLIC_KEY_PEM);
  if (ed25519.asymmetricKeyType !== 'ed25519') throw new Error('the GHL Ed25519 webhook key is not an Ed25519 public key');
  if (rsa.asymmetricKeyType !== 'rsa') throw new Error('the GHL RSA webhook key is not an RSA public key');
  return { ed25519, rsa };
}

export type SignatureScheme = 'ed25519' | 'rsa' | 'hmac';
/**
 * `signedBody`: the bytes the signature is over — the raw body, or (GHL only) its re-serialised
 * form when only that verifies. Those are the bytes to store and deduplicate by.
 */
export type SignatureCheck = { isValid: true; scheme: SignatureScheme; signedBody: Buffer } | { isValid: false; reason: string };

type HeaderValue = string | string[] | undefined;

function singleHeader(value: HeaderValue): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function decodeBase64(value: string): Buffer | undefined {
  return BASE64.test(value) ? Buffer.from(value, 'base64') : undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text, or undefined when it is not valid UTF-8 (never replacement characters). */
export function decodeUtf8Strictly(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * One signature check on libuv's thread pool (crypto.verify with a callback): an Ed25519 or RSA
 * verify is the largest single cost of a webhook, and off the event loop it runs beside the HTTP
 * work of other requests instead of in front of it. Any error is a failed check (fail closed).
 */
function verifyOnThreadPool(algorithm: 'sha256' | null, bytes: Buffer, key: KeyObject, signature: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verify(algorithm, bytes, key, signature, (error, isValid) => resolve(!error && isValid === true));
    } catch {
      resolve(false);
    }
  });
}

/**
 * GHL signs the body only (no timestamp prefix). Docs and SDK sign `JSON.stringify(parsed body)`
 * while deliveries are compact JSON, so we verify the raw bytes and, only if that fails, the
 * re-serialised body once (ghl-api.md §5.3 "What bytes are signed"). Answers the bytes that
 * verified: when only the re-serialised form does, that form is what was signed, so it is what
 * must be stored (a pretty-printed or re-spaced copy of a signed body is the signed body).
 */
async function verifyOverBody(rawBody: Buffer, check: (bytes: Buffer) => Promise<boolean>): Promise<Buffer | undefined> {
  if (await check(rawBody)) return rawBody;
  const text = decodeUtf8Strictly(rawBody);
  if (text === undefined) return undefined;
  let reserialised: string;
  try {
    reserialised = JSON.stringify(JSON.parse(text));
  } catch {
    return undefined;
  }
  const bytes = Buffer.from(reserialised, 'utf8');
  return !bytes.equals(rawBody) && (await check(bytes)) ? bytes : undefined;
}

/**
 * Ed25519 `x-ghl-signature` first; RSA `x-wh-signature` only when the Ed25519 header is absent (an
 * invalid Ed25519 signature is final, like GHL's SDK). Fails closed on anything unexpected.
 */
export async function verifyGhlSignature(keys: GhlWebhookKeys, rawBody: Buffer, headers: Record<string, HeaderValue>): Promise<SignatureCheck> {
  try {
    const ed25519Header = singleHeader(headers['x-ghl-signature']);
    if (ed25519Header !== undefined) {
      const signature = decodeBase64(ed25519Header);
      if (!signature || signature.length !== 64) return { isValid: false, reason: 'malformed x-ghl-signature' };
      const signedBody = await verifyOverBody(rawBody, (bytes) => verifyOnThreadPool(null, bytes, keys.ed25519, signature));
      return signedBody ? { isValid: true, scheme: 'ed25519', signedBody } : { isValid: false, reason: 'x-ghl-signature does not match' };
    }
    const rsaHeader = singleHeader(headers['x-wh-signature']);
    if (rsaHeader !== undefined) {
      const signature = decodeBase64(rsaHeader);
      if (!signature) return { isValid: false, reason: 'malformed x-wh-signature' };
      const signedBody = await verifyOverBody(rawBody, (bytes) => verifyOnThreadPool('sha256', bytes, keys.rsa, signature));
      return signedBody ? { isValid: true, scheme: 'rsa', signedBody } : { isValid: false, reason: 'x-wh-signature does not match' };
    }
    return { isValid: false, reason: 'no x-ghl-signature or x-wh-signature header' };
  } catch {
    return { isValid: false, reason: 'signature could not be verified' };
  }
}

/** Header carrying the HMAC of workflow/custom and integration webhooks: `sha256=<hex>`, bare hex or base64. */
export const HMAC_SIGNATURE_HEADER = 'x-webhook-signature';

function decodeHmacHeader(value: string): Buffer | undefined {
  const text = value.startsWith('sha256=') ? value.slice('sha256='.length) : value;
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const decoded = decodeBase64(text);
  return decoded && decoded.length === 32 ? decoded : undefined;
}

/** HMAC-SHA256 over the raw body with any of the integration's current secrets (rotation), compared in constant time. */
export function verifyHmacSignature(secrets: readonly string[], rawBody: Buffer, headers: Record<string, HeaderValue>): SignatureCheck {
  const header = singleHeader(headers[HMAC_SIGNATURE_HEADER]);
  if (header === undefined) return { isValid: false, reason: `no ${HMAC_SIGNATURE_HEADER} header` };
  const given = decodeHmacHeader(header);
  if (!given) return { isValid: false, reason: `malformed ${HMAC_SIGNATURE_HEADER}` };
  let isValid = false;
  // Check every secret (no early exit) so timing does not reveal which one matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    if (timingSafeEqual(expected, given)) isValid = true;
  }
  return isValid ? { isValid: true, scheme: 'hmac', signedBody: rawBody } : { isValid: false, reason: secrets.length === 0 ? 'unknown integration' : `${HMAC_SIGNATURE_HEADER} does not match` };
}

export function signHmacSha256Hex(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}
