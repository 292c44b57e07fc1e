/*
 * A JSON number JavaScript cannot hold changes on the way through us: `1e400` parses to Infinity
 * (which re-serialises as `null`), `1e-400` to 0, `12345678901234567891` to …890. Stored as jsonb
 * such a body keeps the exact value while every reader here sees another one, and its re-serialised
 * form (what GHL signs) says something else again. Such bodies are refused instead.
 */

// A lossy literal has an exponent, 16+ integer digits, or a fraction, and as a JSON value it stands
// after `:`, `,` or `[` (or alone) and before `,`, `]`, `}` (or the end), whitespace aside. Bodies
// with no such spot (most: an ISO timestamp's `:26.123Z` is followed by a letter) skip tokenising,
// which costs about as much as parsing the body again. A string that merely looks like one (`"a:1.5}"`)
// is only a false alarm: the tokeniser below decides.
const MAYBE_LOSSY = /(?:^|[:,[])\s*-?(?:\d{16}|\d+\.\d|\d+[eE])[\d.eE+-]*\s*(?:[,\]}]|$)/;
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
/** The cheap pre-check: false means the text holds no lossy number for sure. */
export function mayHoldLossyNumber(json: string): boolean {
  return MAYBE_LOSSY.test(json);
}

export function findLossyNumber(json: string): string | undefined {
  if (!mayHoldLossyNumber(json)) return undefined;
  for (const [token] of json.matchAll(TOKENS)) {
    if (token.startsWith('"') || SHORT_PLAIN_NUMBER.test(token)) continue;
    const value = Number(token);
    if (!Number.isFinite(value) || decimalOf(token) !== decimalOf(String(value))) return token.length > 40 ? `${token.slice(0, 40)}…` : token;
  }
  return undefined;
}
