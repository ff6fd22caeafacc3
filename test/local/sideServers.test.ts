import { CosmosClient } from '@azure/cosmos';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { refusalOf } from '../../src/local/cosmosRequestGuard';
import { EmbeddedCosmos, startEmbeddedCosmos } from '../../src/local/embeddedCosmos';
import { createIdentitySimulator, IdentitySimulator } from '../../src/local/identitySimulator';

/**
 * Local mode's side servers are as closed as /api/messages: a web page the developer has open, a
 * DNS-rebinding page, or a process without this run's key gets nothing from them.
 */

interface Raw {
  status: number;
  body: string;
}

function send(url: string, init: { method: string; headers: Record<string, string>; body?: string; ca?: string }): Promise<Raw> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // The Host header is the point here, not TLS: the certificate is checked for the address we connect to.
    const tls = init.ca ? { ca: init.ca, servername: 'localhost' } : {};
    const req = request(u, { method: init.method, headers: init.headers, ...tls }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('the embedded Cosmos-protocol server', () => {
  let cosmos: EmbeddedCosmos;
  const refused: string[] = [];
  beforeAll(async () => {
    cosmos = await startEmbeddedCosmos('127.0.0.1', 0, (reason) => refused.push(reason));
  });
  afterAll(() => cosmos.close());

  it('serves the SDK with this run\'s key', async () => {
    const client = new CosmosClient({ endpoint: cosmos.endpoint, key: cosmos.key, connectionPolicy: { enableEndpointDiscovery: false } });
    const { database } = await client.databases.createIfNotExists({ id: 'side' });
    const { container } = await database.containers.createIfNotExists({ id: 'staff', partitionKey: { paths: ['/id'] } });
    await container.items.create({ id: 'someone', role: 'viewer' });
    expect((await container.item('someone', 'someone').read()).resource?.role).toBe('viewer');
    client.dispose();
  });

  it('refuses a client with another key', async () => {
    const other = Buffer.alloc(32, 7).toString('base64');
    const client = new CosmosClient({ endpoint: cosmos.endpoint, key: other, connectionPolicy: { enableEndpointDiscovery: false } });
    await expect(client.databases.createIfNotExists({ id: 'intruder' })).rejects.toMatchObject({ code: 401 });
    client.dispose();
  });

  it('refuses a cross-origin text/plain post (a web page creating an admin staff document)', async () => {
    const answer = await send(`${cosmos.endpoint}/dbs/side/colls/staff/docs`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain', host: new URL(cosmos.endpoint).host },
      body: JSON.stringify({ id: 'attacker', role: 'admin' }),
    });
    expect(answer.status).toBe(403);
    expect(refused).toContain('browser-origin');
  });

  it('refuses a foreign Host (DNS rebinding)', async () => {
    const answer = await send(`${cosmos.endpoint}/dbs`, { method: 'GET', headers: { host: 'rebind.evil.example' } });
    expect(answer.status).toBe(403);
    expect(refused).toContain('not-loopback-host');
  });

  it('refuses a signed request that is too old to be fresh', () => {
    const old = new Date(Date.now() - 20 * 60 * 1000).toUTCString();
    expect(refusalOf({ method: 'GET', url: '/', headers: { host: '127.0.0.1:1', 'x-ms-date': old, authorization: 'type%3Dmaster%26ver%3D1.0%26sig%3Dx' } }, cosmos.key)).toBe('stale-date');
  });
});

describe('the identity simulator', () => {
  let sim: IdentitySimulator;
  beforeAll(async () => {
    sim = await createIdentitySimulator();
  });
  afterAll(() => sim.close());
  const hostOf = () => new URL(sim.url).host;

  it('refuses a browser Origin other than its own', async () => {
    const answer = await send(`${sim.url}/_sim/admin-consent`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json', host: hostOf() }, body: '{}', ca: sim.caPem });
    expect(answer.status).toBe(403);
    const own = await send(`${sim.url}/devicelogin`, { method: 'GET', headers: { origin: sim.url, host: hostOf() }, ca: sim.caPem });
    expect(own.status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding)', async () => {
    const answer = await send(`${sim.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`, { method: 'GET', headers: { host: 'rebind.evil.example' }, ca: sim.caPem });
    expect(answer.status).toBe(403);
  });

  it('takes control switches as JSON only', async () => {
    const answer = await send(`${sim.url}/_sim/refresh-tokens/revoke`, { method: 'POST', headers: { 'content-type': 'text/plain', host: hostOf() }, body: JSON.stringify({ upn: 'megan.bowen@contoso.onmicrosoft.com' }), ca: sim.caPem });
    expect(answer.status).toBe(415);
  });

  it('never lists the live user codes', async () => {
    const all = await send(`${sim.url}/_sim/devicecode/polls`, { method: 'GET', headers: { host: hostOf() }, ca: sim.caPem });
    expect(all.status).toBe(400);
    const one = await send(`${sim.url}/_sim/devicecode/polls?userCode=ABCD1234`, { method: 'GET', headers: { host: hostOf() }, ca: sim.caPem });
    expect(JSON.parse(one.body)).toEqual({ ok: true, polls: [] });
  });
});
