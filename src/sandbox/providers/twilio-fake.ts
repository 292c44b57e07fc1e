import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { postCallback, readBody, sendJson, twilioSignature, type FakeState } from './fake-kit.js';

/**
 * Twilio Messages API `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`: HTTP Basic auth
 * (Account SID : Auth Token), form-encoded To, From, Body, StatusCallback; 201 with the Message
 * resource (status `queued`). Errors use Twilio's `{ code, message, more_info, status }` shape:
 * 20003 authentication, 21211 invalid To, 21610 unsubscribed recipient (after a STOP), 20429 too
 * many requests. Status callbacks (`sent`, then `delivered`, or `undelivered` with ErrorCode 30003
 * for +15005550009) are POSTed to StatusCallback, signed with X-Twilio-Signature. Twilio takes no
 * idempotency key: every accepted POST is a new message.
 */
export interface TwilioFakeOptions {
  /** Account SID → auth token. */
  accounts: ReadonlyMap<string, string>;
  /** Where inbound messages (a simulated reply) are posted: our number → URL. */
  inboundUrl?: () => string | undefined;
}

const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const START_WORDS = new Set(['START', 'YES', 'UNSTOP']);
const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/;

function twilioError(response: ServerResponse, status: number, code: number, message: string, extra: Record<string, unknown> = {}): void {
  sendJson(response, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status, ...extra });
}

function segmentsOf(body: string): number {
  if (GSM7.test(body)) return body.length <= 160 ? 1 : Math.ceil(body.length / 153);
  return body.length <= 70 ? 1 : Math.ceil(body.length / 67);
}

function isValidNumber(value: string): boolean {
  const parsed = parsePhoneNumberFromString(value);
  return parsed !== undefined && parsed.isValid() && parsed.number === value;
}

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export function createTwilioFake(state: FakeState, options: TwilioFakeOptions) {
  /** `${our number}|${their number}` pairs that texted STOP. */
  const optedOut = new Set<string>();

  function sendStatusCallbacks(url: string, authToken: string, base: Record<string, string>, to: string): void {
    const final = to === '+15005550009' ? { status: 'undelivered', errorCode: '30003' } : { status: 'delivered', errorCode: undefined };
    const steps = [{ status: 'sent', errorCode: undefined }, final];
    let delayMs = 20;
    for (const step of steps) {
      setTimeout(() => {
        const params: Record<string, string> = { ...base, MessageStatus: step.status, SmsStatus: step.status, ...(step.errorCode ? { ErrorCode: step.errorCode } : {}) };
        void postCallback(state, url, new URLSearchParams(params).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(authToken, url, params) });
      }, delayMs);
      delayMs += 30;
    }
  }

  async function handleTwilio(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> {
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (!match) return false;
    const accountSid = decodeURIComponent(match[1] as string);
    const raw = await readBody(request);
    const authorization = request.headers.authorization ?? '';
    const [user, password] = authorization.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':') : [];
    const token = options.accounts.get(accountSid);
    if (!token || user !== accountSid || password !== token || state.takeFaultOf('twilio', 'auth')) {
      state.count('twilio 401');
      return void twilioError(response, 401, 20003, 'Authenticate', { detail: 'Your AccountSid or AuthToken was incorrect.' }), true;
    }
    if (request.method !== 'POST') return void twilioError(response, 405, 20004, 'Method not allowed'), true;
    const fault = state.takeFault('twilio');
    if (fault === 'rate_limit') {
      state.count('twilio 429');
      return void twilioError(response, 429, 20429, 'Too Many Requests'), true;
    }
    if (fault === 'server_error') {
      state.count('twilio 500');
      return void twilioError(response, 500, 20500, 'Internal Server Error'), true;
    }
    const params = Object.fromEntries(new URLSearchParams(raw));
    const to = params['To'] ?? '';
    const from = params['From'] ?? '';
    const body = params['Body'] ?? '';
    if (!to) return void twilioError(response, 400, 21604, "A 'To' phone number is required."), true;
    if (!from && !params['MessagingServiceSid']) return void twilioError(response, 400, 21603, "A 'From' phone number is required."), true;
    if (!body && !params['MediaUrl']) return void twilioError(response, 400, 21602, 'Message body is required.'), true;
    if (body.length > 1600) return void twilioError(response, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.'), true;
    // +15005550001 is Twilio's documented magic number for "invalid To".
    if (to === '+15005550001' || !isValidNumber(to)) {
      state.count('twilio 400 21211');
      return void twilioError(response, 400, 21211, `The 'To' number ${to} is not a valid phone number.`), true;
    }
    if (optedOut.has(`${from}|${to}`)) {
      state.count('twilio 400 21610');
      return void twilioError(response, 400, 21610, 'Attempt to send to unsubscribed recipient'), true;
    }
    await state.delay();
    const messageSid = sid('SM');
    const now = new Date().toUTCString();
    const statusCallback = params['StatusCallback'];
    const deliveryId = statusCallback ? new URL(statusCallback).searchParams.get('deliveryId') : null;
    state.capture({ id: messageSid, channel: 'sms', provider: 'twilio', from, to, subject: null, text: body, html: null, headers: {}, deliveryId, capturedAt: new Date().toISOString() });
    if (statusCallback) sendStatusCallbacks(statusCallback, token, { AccountSid: accountSid, ApiVersion: '2010-04-01', From: from, To: to, MessageSid: messageSid, SmsSid: messageSid }, to);
    state.count('twilio 201');
    sendJson(response, 201, {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from,
      messaging_service_sid: params['MessagingServiceSid'] ?? null,
      num_media: '0',
      num_segments: String(segmentsOf(body)),
      price: null,
      price_unit: 'USD',
      sid: messageSid,
      status: 'queued',
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media.json` },
      to,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}.json`,
    });
    return true;
  }

  /**
   * A person texting our number (e.g. STOP): Twilio records the opt-out for that pair, as its
   * Advanced Opt-Out does, and posts the message to the number's incoming-message webhook, signed.
   */
  async function sendInbound(input: { from: string; to: string; body: string; accountSid: string }): Promise<number> {
    const word = input.body.trim().toUpperCase();
    if (STOP_WORDS.has(word)) optedOut.add(`${input.to}|${input.from}`);
    if (START_WORDS.has(word)) optedOut.delete(`${input.to}|${input.from}`);
    const url = options.inboundUrl?.();
    const token = options.accounts.get(input.accountSid);
    if (!url || !token) return 0;
    const messageSid = sid('SM');
    const params: Record<string, string> = {
      ToCountry: 'US',
      SmsMessageSid: messageSid,
      NumMedia: '0',
      SmsSid: messageSid,
      SmsStatus: 'received',
      Body: input.body,
      To: input.to,
      NumSegments: '1',
      MessageSid: messageSid,
      AccountSid: input.accountSid,
      From: input.from,
      ApiVersion: '2010-04-01',
    };
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(token, url, params) }, body: new URLSearchParams(params).toString() });
    await response.text();
    return response.status;
  }

  return { handleTwilio, sendInbound };
}
