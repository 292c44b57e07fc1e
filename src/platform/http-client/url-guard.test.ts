import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedSender, createUrlGuard, UrlNotAllowedError, type HostResolver } from './index.js';

// Names a test resolver answers (no DNS query leaves the machine, and nothing ever connects to them).
const fakeDns: Record<string, string[]> = {
  'hooks.public.test': ['93.184.215.14'],
  'intranet.public.test': ['10.20.30.40'],
  'mixed.public.test': ['93.184.215.14', '192.168.1.10'],
  'metadata.public.test': ['169.254.169.254'],
  'receiver.local.test': ['127.0.0.1'],
};
const resolve: HostResolver = async (hostname) => {
  const answers = fakeDns[hostname];
  if (!answers) throw new Error('ENOTFOUND');
  return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

let server: Server;
let base: string;
const hits: string[] = [];
beforeAll(async () => {
  server = createServer((request, response) => {
    hits.push(request.url ?? '');
    if (request.url === '/to-private') return void response.writeHead(307, { location: 'http://10.1.2.3/steal' }).end();
    if (request.url === '/to-metadata') return void response.writeHead(302, { location: 'http://metadata.public.test/latest/meta-data/' }).end();
    if (request.url === '/to-ok') return void response.writeHead(308, { location: '/ok' }).end();
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => response.writeHead(200, { 'content-type': 'text/plain' }).end(`${request.method} ${body}`));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('url guard (SSRF)', () => {
  const guard = createUrlGuard({ allowList: [], resolve });

  it.each([
    ['loopback', 'http://127.0.0.1/hook'],
    ['loopback by name', 'http://receiver.local.test/hook'],
    ['10/8', 'http://10.0.0.5/hook'],
    ['172.16/12', 'https://172.20.1.1/hook'],
    ['192.168/16', 'http://192.168.0.10/'],
    ['link-local metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', 'http://[::1]:8080/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/'],
    ['IPv4-mapped IPv6 private (hex form)', 'http://[::ffff:a00:1]/'],
    ['unspecified', 'http://0.0.0.0/'],
    ['IPv6 unspecified', 'http://[::]/'],
    ['multicast', 'http://224.0.0.1/'],
    ['IPv6 link-local', 'http://[fe80::1]/'],
    ['IPv6 unique local', 'http://[fd12:3456::1]/'],
    ['decimal loopback', 'http://2130706433/'],
    ['a name resolving to a private address', 'https://intranet.public.test/hook'],
    ['a name with one private answer among public ones', 'https://mixed.public.test/hook'],
  ])('refuses %s', async (_label, url) => {
    const result = await guard.check(url);
    expect(result).toMatchObject({ ok: false, reason: 'private_address' });
  });

  it('refuses other schemes, unparseable URLs and names that do not resolve', async () => {
    expect(await guard.check('file:///etc/passwd')).toMatchObject({ ok: false, reason: 'scheme_not_allowed' });
    expect(await guard.check('gopher://hooks.public.test/')).toMatchObject({ ok: false, reason: 'scheme_not_allowed' });
    expect(await guard.check('not a url')).toMatchObject({ ok: false, reason: 'invalid_url' });
    expect(await guard.check('https://nowhere.public.test/')).toMatchObject({ ok: false, reason: 'unresolvable_host' });
  });

  it('accepts a public address and names the address it checked', async () => {
    const result = await guard.check('https://hooks.public.test/in');
    expect(result).toMatchObject({ ok: true, hostname: 'hooks.public.test', address: { address: '93.184.215.14', family: 4 } });
  });

  it('lets an explicit allow-list entry (address, range or host name) through', async () => {
    const allowing = createUrlGuard({ allowList: ['127.0.0.1', '10.20.0.0/16', 'metadata.public.test'], resolve });
    expect((await allowing.check('http://127.0.0.1:9/')).ok).toBe(true);
    expect((await allowing.check('http://intranet.public.test/')).ok).toBe(true);
    expect((await allowing.check('http://metadata.public.test/')).ok).toBe(true);
    expect((await allowing.check('http://127.0.0.2/')).ok).toBe(false);
    expect((await allowing.check('http://10.21.0.1/')).ok).toBe(false);
  });
});

describe('guarded sender', () => {
  const allowLoopbackOnly = createUrlGuard({ allowList: ['127.0.0.1'], resolve });

  it('sends to an allowed address, connecting to the address it checked', async () => {
    // receiver.local.test resolves (in this test) to 127.0.0.1: the sender connects there without a DNS lookup of its own.
    const sender = createGuardedSender({ guard: allowLoopbackOnly, defaultTimeoutMs: 2000 });
    try {
      const port = new URL(base).port;
      const response = await sender.send({ method: 'POST', url: `http://receiver.local.test:${port}/in`, body: 'hello', endpoint: 'test' });
      expect(response.status).toBe(200);
      expect(response.text).toBe('POST hello');
    } finally {
      await sender.close();
    }
  });

  it('follows a redirect to an allowed address with the same method and body', async () => {
    const sender = createGuardedSender({ guard: allowLoopbackOnly, defaultTimeoutMs: 2000 });
    try {
      const response = await sender.send({ method: 'POST', url: `${base}/to-ok`, body: 'again', endpoint: 'test' });
      expect(response).toMatchObject({ status: 200, text: 'POST again', url: `${base}/ok` });
    } finally {
      await sender.close();
    }
  });

  it('refuses a redirect to a private address or to a name resolving to link-local, sending nothing there', async () => {
    const sender = createGuardedSender({ guard: allowLoopbackOnly, defaultTimeoutMs: 2000 });
    try {
      await expect(sender.send({ method: 'POST', url: `${base}/to-private`, body: '{}', endpoint: 'test' })).rejects.toMatchObject({ name: 'UrlNotAllowedError', reason: 'private_address' });
      await expect(sender.send({ method: 'POST', url: `${base}/to-metadata`, body: '{}', endpoint: 'test' })).rejects.toBeInstanceOf(UrlNotAllowedError);
      await expect(sender.send({ method: 'POST', url: 'http://127.0.0.2:1/', endpoint: 'test' })).rejects.toBeInstanceOf(UrlNotAllowedError);
    } finally {
      await sender.close();
    }
  });
});
