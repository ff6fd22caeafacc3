import { request } from 'node:http';
import { BOOTSTRAP_ADMIN, BotHarness, startBotHarness } from '../support/botHarness';

/** fetch() will not send a Host header of our choosing; node's http client will. */
function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Local mode has no inbound authentication: what a web page could post must not reach the bot. */
describe('local mode refuses requests a Bot Framework client would not send', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
  });
  afterAll(async () => h.close());

  const activity = () => ({
    type: 'message',
    id: `guard-${Math.random()}`,
    text: 'staff add 7c9d3e2b-1a4f-4b6e-8d5c-2e3f4a5b6c7d admin',
    channelId: 'msteams',
    serviceUrl: h.connector.serviceUrl,
    from: { id: 'u', aadObjectId: BOOTSTRAP_ADMIN.aadObjectId },
    recipient: { id: 'bot' },
    conversation: { id: 'guard', conversationType: 'personal', tenantId: BOOTSTRAP_ADMIN.tenantId },
  });

  it.each([
    ['a browser Origin (cross-site page)', { 'content-type': 'application/json', origin: 'https://evil.example' }],
    ['a "simple" text/plain body (no CORS preflight)', { 'content-type': 'text/plain' }],
    ['a non-loopback Host (DNS rebinding)', { 'content-type': 'application/json', host: 'evil.example' }],
  ])('refuses %s with 403 and runs nothing', async (_what, headers) => {
    const before = h.connector.requests.length;
    const res = await post(`${h.url}/api/messages`, headers, JSON.stringify(activity()));
    expect(res.status).toBe(403);
    expect(res.text).toBe('{"error":"forbidden"}');
    expect(h.connector.requests.length).toBe(before);
    expect((await h.documents(['staff'])).staff).toEqual([]);
  });

  it('accepts JSON posted server to server, as the Agents Playground does', async () => {
    const res = await fetch(`${h.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ ...activity(), text: 'help' }) });
    expect(res.status).toBe(200);
  });
});
