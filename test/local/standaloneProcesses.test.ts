import { CosmosClient } from '@azure/cosmos';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadyProcess, spawnReady } from '../support/childProcess';
import { CONTOSO } from './identitySimulatorHarness';

const SIMULATOR = join(__dirname, '../../src/local/identitySimulator/standalone.ts');
const COSMOS_SERVER = join(__dirname, '../../src/local/cosmosServerProcess.ts');
const TS_NODE = ['-r', 'ts-node/register/transpile-only'];
const BOT_APP_ID = '5d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a';
const BOT_SECRET = 'standalone~secret.Kq3_Vb8-Lm1';

// Each process pays for ts-node and (the simulator) three RSA keys at start-up.
jest.setTimeout(60_000);

const started: ReadyProcess[] = [];
async function start(script: string, env: Record<string, string>, readyEvent: string): Promise<ReadyProcess> {
  const running = await spawnReady(process.execPath, [...TS_NODE, script], env, readyEvent);
  started.push(running);
  return running;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((running) => running.stop()));
});

describe('identity simulator process', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'simulator-process-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('announces itself in one stdout line, serves discovery and client credentials over HTTPS, and stops on SIGTERM', async () => {
    const caFile = join(scratch, 'ca.pem');
    const simulator = await start(
      SIMULATOR,
      { SIM_CA_FILE: caFile, SIM_CONFIDENTIAL_CLIENTS: `${BOT_APP_ID}:${BOT_SECRET}`, SIM_LOG_LEVEL: 'debug' },
      'identity-simulator.ready',
    );
    const { ready } = simulator;
    expect(Object.keys(ready)).toEqual(['event', 'url', 'knownAuthority', 'caFile']);
    expect(ready.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.knownAuthority).toBe(String(ready.url).replace('https://', ''));
    expect(ready.caFile).toBe(caFile);
    const ca = readFileSync(caFile, 'utf8');
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----/);

    const discovery = await httpsCall(`${ready.url}/${CONTOSO.tenantId}/v2.0/.well-known/openid-configuration`, ca);
    expect(discovery.status).toBe(200);
    expect(JSON.parse(discovery.text)).toMatchObject({ issuer: `${ready.url}/${CONTOSO.tenantId}/v2.0` });

    const token = await httpsCall(`${ready.url}/botframework.com/oauth2/v2.0/token`, ca, {
      grant_type: 'client_credentials',
      client_id: BOT_APP_ID,
      client_secret: BOT_SECRET,
      scope: 'https://api.botframework.com/.default',
    });
    expect(token.status).toBe(200);
    const accessToken = (JSON.parse(token.text) as { access_token: string }).access_token;

    await simulator.stop();
    expect(await simulator.exited).toEqual({ code: 0, signal: null });
    expect(simulator.stdoutLines()).toHaveLength(1);
    const logLines = simulator.stderr().trim().split('\n');
    for (const line of logLines) expect(JSON.parse(line)).toEqual(expect.objectContaining({ level: expect.any(Number), msg: expect.any(String) }));
    expect(simulator.stderr()).toContain('"grantType":"client_credentials"');
    expect(simulator.stderr()).not.toContain(BOT_SECRET);
    expect(simulator.stderr()).not.toContain(accessToken);
    // A CA file named in SIM_CA_FILE stays: other tools may be set up to read it.
    expect(existsSync(caFile)).toBe(true);
  });

  it('writes the CA to <tmp>/tenant-access-simulator-<port>-ca.pem by default and removes it on SIGINT', async () => {
    const simulator = await start(SIMULATOR, { SIM_LOG_LEVEL: 'silent' }, 'identity-simulator.ready');
    const port = new URL(String(simulator.ready.url)).port;
    const caFile = join(tmpdir(), `tenant-access-simulator-${port}-ca.pem`);
    expect(simulator.ready.caFile).toBe(caFile);
    expect(readFileSync(caFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    simulator.child.kill('SIGINT');
    expect(await simulator.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(caFile)).toBe(false);
    expect(simulator.stderr()).toBe('');
  });

  it('refuses a bad environment, naming each bad variable and never repeating a secret', async () => {
    const secretLike = 'clientWithoutSecret-Zz9Qq8';
    const attempts: { env: Record<string, string>; variable: RegExp }[] = [
      { env: { SIM_PORT: 'abc' }, variable: /SIM_PORT must be a port number .*'abc'/ },
      { env: { SIM_HOST: '10.0.0.1' }, variable: /SIM_HOST must be a loopback address .*'10\.0\.0\.1'/ },
      { env: { SIM_CONFIDENTIAL_CLIENTS: secretLike }, variable: /SIM_CONFIDENTIAL_CLIENTS entry 1 is not clientId:secret/ },
      { env: { SIM_POLL_INTERVAL_SECONDS: '-1', SIM_LOG_LEVEL: 'loud' }, variable: /SIM_POLL_INTERVAL_SECONDS[\s\S]*SIM_LOG_LEVEL/ },
    ];
    const failures = await Promise.all(
      attempts.map(({ env }) =>
        start(SIMULATOR, env, 'identity-simulator.ready').then(
          () => undefined,
          (error: Error) => error.message,
        ),
      ),
    );
    failures.forEach((message, index) => {
      expect(message).toMatch(attempts[index].variable);
      expect(message).toContain('exited (code 2, signal null) before it was ready');
    });
    expect(failures.join('\n')).not.toContain(secretLike);
  });
});

describe('Cosmos-protocol server process', () => {
  it('announces endpoint and key, stores what the Cosmos SDK writes, and stops on SIGTERM', async () => {
    const server = await start(COSMOS_SERVER, {}, 'cosmos-server.ready');
    const { ready } = server;
    expect(Object.keys(ready)).toEqual(['event', 'endpoint', 'key']);
    expect(ready.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Buffer.from(String(ready.key), 'base64').toString('base64')).toBe(ready.key);

    const client = new CosmosClient({ endpoint: String(ready.endpoint), key: String(ready.key), connectionPolicy: { enableEndpointDiscovery: false } });
    try {
      const { database } = await client.databases.createIfNotExists({ id: 'standalone' });
      const { container } = await database.containers.createIfNotExists({ id: 'things', partitionKey: { paths: ['/tenantId'] } });
      await container.items.create({ id: 'one', tenantId: CONTOSO.tenantId, note: 'written over a socket' });
      const { resource } = await container.item('one', CONTOSO.tenantId).read<{ note: string }>();
      expect(resource?.note).toBe('written over a socket');
    } finally {
      client.dispose();
    }

    await server.stop();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdoutLines()).toHaveLength(1);
  });

  it('refuses a host that is not loopback and a port that is no port', async () => {
    const [host, port] = await Promise.all(
      ([{ COSMOS_SERVER_HOST: '0.0.0.0' }, { COSMOS_SERVER_PORT: '70000' }] as Record<string, string>[]).map((env) =>
        start(COSMOS_SERVER, env, 'cosmos-server.ready').then(
          () => '',
          (error: Error) => error.message,
        ),
      ),
    );
    expect(host).toMatch(/COSMOS_SERVER_HOST must be a loopback address .*'0\.0\.0\.0'/);
    expect(port).toMatch(/COSMOS_SERVER_PORT must be a port number .*'70000'/);
    expect(host).toContain('exited (code 2');
  });
});

function httpsCall(url: string, ca: string, form?: Record<string, string>): Promise<{ status: number; text: string }> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      {
        method: form ? 'POST' : 'GET',
        ca,
        // No pooled socket: the process is stopped right after, and a kept-alive socket would only delay that.
        agent: false,
        headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
