import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF guard for every URL a tenant can configure (webhook endpoints, later responder and
 * integration URLs). A name is resolved once; every address it resolves to must be public, and the
 * connection then goes to the address that was checked (no second lookup a DNS rebinding could
 * answer differently). Redirects are checked again the same way by the guarded sender.
 */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface UrlGuardOptions {
  /**
   * Exceptions an operator allows: IP addresses, CIDR ranges (`10.0.0.0/8`, `fd00::/8`) or exact
   * host names. The sandbox and tests allow 127.0.0.1 this way.
   */
  allowList: readonly string[];
  /** Defaults to the system resolver (every address of the name). */
  resolve?: HostResolver;
}

export type UrlRefusalReason = 'invalid_url' | 'scheme_not_allowed' | 'unresolvable_host' | 'private_address';

export type UrlCheck =
  | { ok: true; url: URL; hostname: string; address: ResolvedAddress }
  | { ok: false; reason: UrlRefusalReason; message: string };

export class UrlNotAllowedError extends Error {
  constructor(readonly reason: UrlRefusalReason, message: string) {
    super(message);
    this.name = 'UrlNotAllowedError';
  }
}

// Special-purpose ranges (IANA IPv4/IPv6 special-purpose address registries) that a tenant's URL
// must never reach: private, loopback, link-local (cloud metadata at 169.254.169.254), shared CGNAT,
// multicast, reserved, unspecified, documentation, and IPv6 forms that embed an IPv4 address.
const REFUSED_V4: readonly [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const REFUSED_V6: readonly [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

// Two lists: one BlockList matches IPv4 addresses against IPv4-mapped IPv6 rules too, and the
// ::ffff:0:0/96 rule would then refuse every IPv4 address.
const refusedV4 = new BlockList();
const refusedV6 = new BlockList();
for (const [network, prefix] of REFUSED_V4) refusedV4.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of REFUSED_V6) refusedV6.addSubnet(network, prefix, 'ipv6');

/** True for an address no tenant URL may reach (before the allow-list is consulted). */
export function isRefusedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return refusedV4.check(address, 'ipv4');
  if (family === 6) return refusedV6.check(address, 'ipv6');
  return true;
}

const defaultResolve: HostResolver = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }));
};

export interface UrlGuard {
  /** Resolves and checks a URL; on success names the address to connect to. */
  check(rawUrl: string): Promise<UrlCheck>;
}

export function createUrlGuard(options: UrlGuardOptions): UrlGuard {
  const allowedHosts = new Set<string>();
  // Per family, like the refused lists: an IPv4 entry must not let its IPv4-mapped IPv6 form through.
  const allowedV4 = new BlockList();
  const allowedV6 = new BlockList();
  for (const entry of options.allowList) {
    const [network, prefixText] = entry.split('/');
    const family = isIP(network ?? '');
    if (family === 0) {
      allowedHosts.add(entry.toLowerCase());
      continue;
    }
    const list = family === 4 ? allowedV4 : allowedV6;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefixText === undefined) list.addAddress(network as string, type);
    else list.addSubnet(network as string, Number(prefixText), type);
  }
  const resolve = options.resolve ?? defaultResolve;
  const isAllowedAddress = (address: ResolvedAddress) => (address.family === 4 ? allowedV4.check(address.address, 'ipv4') : allowedV6.check(address.address, 'ipv6'));

  return {
    async check(rawUrl) {
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        return { ok: false, reason: 'invalid_url', message: 'The URL cannot be parsed' };
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return { ok: false, reason: 'scheme_not_allowed', message: 'Only http and https URLs are allowed' };
      }
      // WHATWG URL already turned decimal/octal/hex IPv4 forms into dotted quads; IPv6 keeps brackets.
      const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      const literalFamily = isIP(hostname);
      let addresses: ResolvedAddress[];
      if (literalFamily !== 0) {
        addresses = [{ address: hostname, family: literalFamily === 6 ? 6 : 4 }];
      } else {
        try {
          addresses = await resolve(hostname);
        } catch {
          return { ok: false, reason: 'unresolvable_host', message: `The host ${hostname} does not resolve` };
        }
        if (addresses.length === 0) return { ok: false, reason: 'unresolvable_host', message: `The host ${hostname} does not resolve` };
      }
      const isHostAllowed = allowedHosts.has(hostname.toLowerCase());
      // Every answer must pass: a name answering one public and one private address is refused,
      // since a later connection could pick the private one.
      for (const address of addresses) {
        if (!isHostAllowed && !isAllowedAddress(address) && isRefusedAddress(address.address)) {
          return { ok: false, reason: 'private_address', message: `The URL resolves to a non-public address (${address.address})` };
        }
      }
      return { ok: true, url, hostname, address: addresses[0] as ResolvedAddress };
    },
  };
}
