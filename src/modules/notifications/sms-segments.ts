/**
 * How many segments an SMS takes, as carriers bill it: GSM-7 text fits 160 characters in one
 * segment and 153 per segment when split (the rest is the concatenation header); characters of the
 * GSM-7 extension table count twice. Anything outside GSM-7 switches the whole message to UCS-2:
 * 70 UTF-16 code units in one segment, 67 per segment when split.
 */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '^{}\\[~]|€\f';
const basic = new Set(GSM7_BASIC);
const extension = new Set(GSM7_EXTENSION);

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
}

export function countSmsSegments(body: string): SmsSegments {
  let septets = 0;
  let isGsm = true;
  for (const character of body) {
    if (basic.has(character)) septets += 1;
    else if (extension.has(character)) septets += 2;
    else {
      isGsm = false;
      break;
    }
  }
  if (isGsm) return { encoding: 'GSM-7', units: septets, segments: septets === 0 ? 1 : septets <= 160 ? 1 : Math.ceil(septets / 153) };
  const codeUnits = body.length;
  return { encoding: 'UCS-2', units: codeUnits, segments: codeUnits <= 70 ? 1 : Math.ceil(codeUnits / 67) };
}
