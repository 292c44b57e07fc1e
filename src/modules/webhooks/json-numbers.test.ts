import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GHL_WEBHOOK_EXAMPLES_DIR } from '../../../test/support/ghl-webhook-examples.js';
import { findLossyNumber, mayHoldLossyNumber } from './json-numbers.js';

describe('findLossyNumber', () => {
  it('finds literals JavaScript cannot hold exactly', () => {
    for (const literal of ['1e400', '-1e400', '1e-400', '9007199254740993', '12345678901234567891', '0.1000000000000000000001', '5e-324000']) {
      expect(findLossyNumber(`{"a":[1,{"b":${literal}}]}`), literal).toBe(literal);
    }
  });

  it('accepts literals that mean the same after a round trip, and ignores digits inside strings', () => {
    for (const literal of ['0', '-0', '1.50', '1E2', '1e+21', '2.5e-7', '9007199254740992', '1.7976931348623157e308', '5e-324', '123456789012345']) {
      expect(findLossyNumber(`{"a":${literal}}`), literal).toBeUndefined();
    }
    expect(findLossyNumber('{"id":"1e400","x":"12345678901234567891\\"9e999"}')).toBeUndefined();
  });

  it('finds them wherever JSON allows a number: first, last, alone, between spaces and newlines', () => {
    for (const text of ['1e400', ' 1e400 ', '[1e400]', '[1, 1e400 ]', '{"a" :\n\t1e400\r\n}', '{"a":[0.1000000000000000000001,1]}', '{"a":{"b":-12345678901234567891}}', '{"t":"2026-12-01T15:59:26.123Z","n":1e400}']) {
      expect(findLossyNumber(text), text).toBeDefined();
    }
  });

  it('skips tokenising a body whose only fractions are inside ISO timestamps (the common GHL body)', () => {
    const body = '{"type":"ContactUpdate","timestamp":"2026-12-01T15:59:26.123Z","dateUpdated":"2026-12-01T15:59:26.123+00:00","n":15,"ids":[1,2]}';
    expect(mayHoldLossyNumber(body)).toBe(false);
    expect(findLossyNumber(body)).toBeUndefined();
    // A string shaped like a number in value position is a false alarm the tokeniser settles.
    expect(mayHoldLossyNumber('{"s":"a:1e400}","n":2}')).toBe(true);
    expect(findLossyNumber('{"s":"a:1e400}","n":2}')).toBeUndefined();
    for (const literal of ['1.5', '1e3', '1234567890123456']) expect(mayHoldLossyNumber(`{"a":${literal}}`), literal).toBe(true);
  });

  it("accepts every one of GHL's published webhook examples", () => {
    for (const file of readdirSync(GHL_WEBHOOK_EXAMPLES_DIR).filter((name) => name.endsWith('.json'))) {
      const text = readFileSync(join(GHL_WEBHOOK_EXAMPLES_DIR, file), 'utf8');
      expect(findLossyNumber(text), file).toBeUndefined();
    }
  });
});
