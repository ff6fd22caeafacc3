import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { clientAddressOf, normalizeAddress } from '../../bot/web/clientRateLimit';
import { createIdentitySimulator, IdentitySimulator } from '../../src/local/identitySimulator';
import { BotHarness, teamsUser } from '../support/botHarness';
import { CONFIGURED_ADMIN, CONFIGURED_BOT_ID, CONFIGURED_PROVIDER_TENANT, startConfiguredHarness } from '../support/configuredHarness';
import { startLocalBotFrameworkIssuer, type LocalBotFrameworkIssuer } from '../support/jwt/localBotFrameworkIssuer';

/**
 * The edge is bounded in configured mode: the token is checked before the body is read, bodies are
 * capped, slow clients are cut off, and the customer routes are cheap and limited per client.
 */

const BOT_ID = CONFIGURED_BOT_ID;
const PROVIDER_TENANT = CONFIGURED_PROVIDER_TENANT;
const ADMIN = CONFIGURED_ADMIN;
const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;

let issuer: LocalBotFrameworkIssuer;
let simulator: IdentitySimulator;
let h: BotHarness;
let host = '';
let port = 0;

beforeAll(async () => {
  // Bot Framework's keys are endorsed for many channels: a token for Web Chat is genuine, its user names are not.
  [issuer, simulator] = await Promise.all([startLocalBotFrameworkIssuer({ endorsements: ['msteams', 'webchat'] }), createIdentitySimulator()]);
  h = await startConfiguredHarness({
    botId: BOT_ID,
    providerTenantId: PROVIDER_TENANT,
    adminObjectId: ADMIN.aadObjectId,
    issuer,
    simulator,
    env: {
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      CUSTOMER_RATE_LIMIT_PER_MINUTE: '5',
      TRUSTED_PROXIES: '127.0.0.2',
    },
  });
  const u = new URL(h.url);
  host = u.hostname;
  port = Number(u.port);
});

afterAll(async () => {
  await h?.close();
  await Promise.all([issuer?.close(), simulator?.close()]);
});

/** Sends raw bytes and resolves with what came back and when the socket closed. */
function rawExchange(write: (socket: Socket) => void, waitMs: number): Promise<{ text: string; closedAfterMs?: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, host);
    let text = '';
    let closedAfterMs: number | undefined;
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('close', () => {
      closedAfterMs = Date.now() - started;
      resolve({ text, closedAfterMs });
    });
    socket.on('error', () => undefined);
    socket.on('connect', () => write(socket));
    setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfterMs });
    }, waitMs).unref();
  });
}

describe('POST /api/messages', () => {
  it('answers 401 from the headers alone, without waiting for a body that never comes', async () => {
    const answer = await rawExchange((s) => s.write(`POST /api/messages HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\nAuthorization: Bearer not-a-token\r\n\r\n`), 1_500);
    expect(answer.text).toMatch(/^HTTP\/1\.1 401/);
    expect(answer.text).toContain('{"error":"unauthorized"}');
  });

  it('refuses a body over 256 KB with 413, even with a valid token', async () => {
    const big = JSON.stringify({ type: 'message', channelId: 'msteams', serviceUrl: h.connector.serviceUrl, text: 'x'.repeat(300 * 1024) });
    const response = await fetch(`${h.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${issuer.mintToken({ audience: BOT_ID, serviceUrl: h.connector.serviceUrl })}` },
      body: big,
    });
    expect(response.status).toBe(413);
    expect(await response.text()).toBe('{"error":"payload-too-large"}');
  });

  it('cuts off a client that sends its headers too slowly', async () => {
    const answer = await rawExchange((s) => s.write(`POST /api/messages HTTP/1.1\r\nHost: ${host}\r\n`), HEADERS_TIMEOUT_MS * 4);
    expect(answer.closedAfterMs).toBeDefined();
    expect(answer.closedAfterMs!).toBeLessThan(HEADERS_TIMEOUT_MS * 3);
  });

  it('cuts off a client that sends its body too slowly', async () => {
    const token = issuer.mintToken({ audience: BOT_ID, serviceUrl: h.connector.serviceUrl });
    const answer = await rawExchange((s) => {
      s.write(`POST /api/messages HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nAuthorization: Bearer ${token}\r\n\r\n{`);
      const drip = setInterval(() => (s.destroyed ? clearInterval(drip) : s.write(' ')), 200);
      drip.unref();
    }, REQUEST_TIMEOUT_MS * 4);
    expect(answer.closedAfterMs).toBeDefined();
    expect(answer.closedAfterMs!).toBeLessThan(REQUEST_TIMEOUT_MS * 3);
  });

  it('keeps memory bounded under 150 slow 1 MB posts', async () => {
    const before = process.memoryUsage().rss;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const posts = Array.from({ length: 150 }, () =>
      rawExchange((s) => {
        s.write(`POST /api/messages HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024}\r\nAuthorization: Bearer ${randomBytes(40).toString('base64url')}\r\n\r\n`);
        let sent = 0;
        const drip = setInterval(() => {
          if (s.destroyed || sent >= 16) return clearInterval(drip);
          s.write(chunk);
          sent++;
        }, 50);
        drip.unref();
      }, 4_000),
    );
    const answers = await Promise.all(posts);
    // Each connection is closed by the server; a client still writing when the 401 and the close come
    // may see a reset instead of the answer (TCP drops what it had not read), never anything else.
    expect(answers.every((a) => a.closedAfterMs !== undefined)).toBe(true);
    expect(answers.every((a) => a.text === '' || a.text.startsWith('HTTP/1.1 401'))).toBe(true);
    expect(answers.filter((a) => a.text.startsWith('HTTP/1.1 401')).length).toBeGreaterThan(0);
    expect(process.memoryUsage().rss - before).toBeLessThan(80 * 1024 * 1024);
  });
});

describe('the customer routes', () => {
  const unknownLink = () => `/invite/${randomBytes(32).toString('base64url')}/state`;
  const fromAddress = (xff?: string) => ({ headers: xff ? { 'x-forwarded-for': xff } : {}, socket: { remoteAddress: '127.0.0.2' } });

  it('limits each client, answering 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const response = await fetch(`${h.url}${unknownLink()}`);
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
      await response.arrayBuffer();
    }
    expect(statuses.slice(0, 5).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // The bot's own endpoint is not a customer route.
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it('believes X-Forwarded-For only from a configured proxy', () => {
    const trusted = new Set(['127.0.0.2']);
    expect(clientAddressOf(fromAddress('203.0.113.7:51234'), trusted)).toBe('203.0.113.7');
    expect(clientAddressOf(fromAddress('198.51.100.1, 203.0.113.7'), trusted)).toBe('203.0.113.7');
    expect(clientAddressOf({ headers: { 'x-forwarded-for': '203.0.113.7' }, socket: { remoteAddress: '192.0.2.9' } }, trusted)).toBe('192.0.2.9');
    expect(clientAddressOf(fromAddress(), trusted)).toBe('127.0.0.2');
    expect(normalizeAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeAddress('[2001:db8::1]:443')).toBe('2001:db8::1');
  });
});

describe('smaller gaps', () => {
  const STRANGER = teamsUser('0e0e0e0e-1111-4222-8333-444455556666', 'Someone Else', '99999999-8888-4777-8666-555544443333');

  it('refuses activities from channels other than Teams', async () => {
    const serviceUrl = h.connector.serviceUrl;
    const response = await fetch(`${h.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${issuer.mintToken({ audience: BOT_ID, serviceUrl })}` },
      body: JSON.stringify({ type: 'message', id: 'webchat-1', channelId: 'webchat', serviceUrl, from: { id: 'u1', aadObjectId: ADMIN.aadObjectId }, conversation: { id: 'c1' }, recipient: { id: 'b1' }, text: 'staff' }),
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toBe('{"error":"channel-not-supported"}');
  });

  it('stores nothing about a user outside the provider tenant', async () => {
    const before = (await h.documents(['conversations'])).conversations.length;
    const reply = await h.say(STRANGER, 'help');
    expect(reply.status).toBe(200);
    expect((await h.documents(['conversations'])).conversations.length).toBe(before);
  });

  it('shows an invitation\'s email and status to nobody but the invited admin and staff', async () => {
    const created = await h.say(ADMIN, 'invite contoso.onmicrosoft.com private.admin@contoso.onmicrosoft.com');
    const id = JSON.stringify(created.card).match(/inv-[a-z0-9]{10}/)?.[0];
    expect(id).toBeDefined();
    const asStranger = await h.execute(STRANGER, 'signin.refresh', { invitationId: id });
    expect(JSON.stringify(asStranger.body)).not.toContain('private.admin@contoso.onmicrosoft.com');
    const asStaff = await h.execute(ADMIN, 'signin.refresh', { invitationId: id });
    expect(JSON.stringify(asStaff.body)).toContain('private.admin@contoso.onmicrosoft.com');
  });

  it('puts the security headers on restify\'s own answers too', async () => {
    for (const [method, path] of [['GET', '/no/such/page'], ['DELETE', '/healthz']] as const) {
      const response = await fetch(`${h.url}${path}`, { method });
      expect([404, 405]).toContain(response.status);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });
});
