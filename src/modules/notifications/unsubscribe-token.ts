import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Unsubscribe links work without login: the token names the agency and the recipient and is signed
 * (HMAC-SHA256 under a key derived from the server secret), so it cannot be forged or pointed at
 * someone else. It does not expire: a link in a year-old email must still work (RFC 8058).
 */
export interface UnsubscribeClaim {
  companyId: string;
  recipientKey: string;
}

export interface UnsubscribeTokens {
  issue(claim: UnsubscribeClaim): string;
  verify(token: string): UnsubscribeClaim | undefined;
}

export function createUnsubscribeTokens(serverSecret: string): UnsubscribeTokens {
  const key = createHmac('sha256', serverSecret).update('switchboard.notifications.unsubscribe.v1').digest();
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    issue(claim) {
      const payload = Buffer.from(JSON.stringify([claim.companyId, claim.recipientKey])).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    verify(token) {
      const [payload, signature, extra] = token.split('.');
      if (!payload || !signature || extra !== undefined) return undefined;
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      try {
        const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') return undefined;
        return { companyId: parsed[0], recipientKey: parsed[1] };
      } catch {
        return undefined;
      }
    },
  };
}
