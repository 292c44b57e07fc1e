/*
 * A JSON number JavaScript cannot hold changes on the way through us: `1e400` parses to Infinity
 * (which re-serialises as `null`), `1e-400` to 0, `12345678901234567891` to …890. Stored as jsonb
 * such a body keeps the exact value while every reader here sees another one, and its re-serialised
 * form (what GHL signs) says something else again. Such bodies are refused instead.
 */

// A lossy literal has an exponent, 16+ digits in a row, or a fraction; bodies with none of these
// anywhere (most) skip tokenising, which costs about as much as parsing the body again.
const MAYBE_LOSSY = /\d[eE][+-]?\d|\d{16}|\d\.\d/;
// Strings are matched first so that digits inside them are skipped.
const TOKENS = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
// Up to 15 significant digits and no exponent: every such decimal is exactly what it parses back to.
const SHORT_PLAIN_NUMBER = /^-?(?=(?:\D*\d){1,15}\D*$)\d+(?:\.\d+)?$/;

/** The decimal value of a number literal as `digits` × 10^`exponent`, without insignificant zeros. */
function decimalOf(literal: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!match) return literal;
  const [, sign = '', integer = '', fraction = '', exponentText = '0'] = match;
  let digits = `${integer}${fraction}`.replace(/^0+/, '');
  let exponent = Number(exponentText) - fraction.length;
  if (digits.length === 0) return '0';
  const trailing = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return `${sign}${digits}e${exponent}`;
}

/** A number literal whose value JavaScript cannot represent exactly, or undefined when all survive. */
export function findLossyNumber(json: string): string | undefined {
  if (!MAYBE_LOSSY.test(json)) return undefined;
  for (const [token] of json.matchAll(TOKENS)) {
    if (token.startsWith('"') || SHORT_PLAIN_NUMBER.test(token)) continue;
    const value = Number(token);
    if (!Number.isFinite(value) || decimalOf(token) !== decimalOf(String(value))) return token.length > 40 ? `${token.slice(0, 40)}…` : token;
  }
  return undefined;
}
