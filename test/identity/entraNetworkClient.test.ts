import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createEntraNetworkClient, EntraTokenError, EntraTransportError } from '../../src/adapters/entra/entraNetworkClient';
import { createIdentitySimulator, IdentitySimulator, IdentitySimulatorOptions } from '../../src/local/identitySimulator';
import { createLocalCa, LocalCa } from '../../src/local/localCa';
import { POLL_GAP_SLACK_MS } from '../../src/local/identitySimulator/deviceCodePolling';
import {
  CLIENT_ID,
  CONTOSO,
  CONTOSO_ADMIN,
  publicClientFor,
  startDeviceCodeSignIn,
} from '../local/identitySimulatorHarness';

let ca: LocalCa;
const openSimulators: IdentitySimulator[] = [];

beforeAll(() => {
  ca = createLocalCa();
});

afterAll(async () => {
  await Promise.all(openSimulators.map((simulator) => simulator.close()));
});

async function simulatorWith(options: IdentitySimulatorOptions): Promise<IdentitySimulator> {
  const simulator = await createIdentitySimulator({ ca, ...options });
  openSimulators.push(simulator);
  return simulator;
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('entra network client: transport', () => {
  let simulator: IdentitySimulator;

  beforeAll(async () => {
    simulator = await simulatorWith({});
  });

  it('trusts the simulator only through the extra CA it is given', async () => {
    const discovery = `${simulator.authorityFor(CONTOSO.tenantId)}/v2.0/.well-known/openid-configuration`;
    const untrusting = createEntraNetworkClient();
    const trusting = createEntraNetworkClient({ ca: simulator.caPem });
    try {
      await expect(untrusting.sendGetRequestAsync(discovery)).rejects.toMatchObject({
        errorCode: 'network_error',
        message: expect.stringMatching(/certificate/),
      });
      const answer = await trusting.sendGetRequestAsync<{ token_endpoint: string }>(discovery);
      expect(answer.status).toBe(200);
      expect(answer.body.token_endpoint).toBe(`${simulator.url}/${CONTOSO.tenantId}/oauth2/v2.0/token`);
    } finally {
      untrusting.close();
      trusting.close();
    }
  });

  it('returns error answers as values, with lower-case header names', async () => {
    const client = createEntraNetworkClient({ ca: simulator.caPem });
    try {
      const answer = await client.sendPostRequestAsync<{ error: string; error_codes: number[] }>(
        `${simulator.url}/${CONTOSO.tenantId}/oauth2/v2.0/token?client-request-id=abc`,
        { body: 'grant_type=refresh_token&client_id=x&refresh_token=nonsense', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
      );
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'invalid_grant', error_codes: [9002313] });
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.headers['client-request-id']).toBe('abc');
    } finally {
      client.close();
    }
  });

  describe('against a bare HTTPS server', () => {
    let server: Server;
    let connections = 0;
    let url: string;

    beforeAll(async () => {
      server = createServer({ cert: ca.serverCertPem, key: ca.serverKeyPem }, (request, response) => {
        if (request.url === '/silent') return; // never answers
        // Entra's throttling answer: bare text, no OAuth body; with Retry-After when asked for.
        const busy = /^\/busy\/(\d+)(?:\/after\/(.+))?$/.exec(request.url ?? '');
        if (busy) {
          response.writeHead(Number(busy[1]), { 'content-type': 'text/plain', ...(busy[2] ? { 'retry-after': decodeURIComponent(busy[2]) } : {}) });
          response.end('Too Many Requests');
          return;
        }
        // A 503 with an OAuth body and a Retry-After: MSAL gets the answer, the client keeps the wait.
        if (request.url?.startsWith('/tenant/oauth2/v2.0/token')) {
          response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '9' });
          response.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'AADSTS50033: A transient error has occurred.', error_codes: [50033] }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json', 'X-Mixed-Case': 'yes' });
        response.end('{"ok":true}');
      });
      server.on('secureConnection', () => {
        connections += 1;
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('keeps the connection alive between requests', async () => {
      const client = createEntraNetworkClient({ ca: ca.caPem });
      try {
        const before = connections;
        for (let i = 0; i < 3; i += 1) {
          const answer = await client.sendGetRequestAsync<{ ok: boolean }>(`${url}/ping`);
          expect(answer.body.ok).toBe(true);
          expect(answer.headers['x-mixed-case']).toBe('yes');
        }
        expect(connections - before).toBe(1);
      } finally {
        client.close();
      }
    });

    it.each([
      ['429 with Retry-After in seconds', '/busy/429/after/7', { kind: 'http-status', status: 429, retryAfterSeconds: 7 }],
      ['429 without Retry-After', '/busy/429', { kind: 'http-status', status: 429 }],
      ['503 with Retry-After as an HTTP date', `/busy/503/after/${encodeURIComponent(new Date(Date.now() + 600_000).toUTCString())}`, { kind: 'http-status', status: 503 }],
      ['502 with a Retry-After that is no wait', '/busy/502/after/soon', { kind: 'http-status', status: 502 }],
    ])('an answer without an OAuth body (%s) becomes a transport failure that keeps the wait', async (_name, path, failure) => {
      const client = createEntraNetworkClient({ ca: ca.caPem });
      try {
        const error = await client.sendPostRequestAsync(`${url}${path}`, { body: 'grant_type=refresh_token' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(EntraTransportError);
        const seen = (error as EntraTransportError).failure;
        expect(seen).toMatchObject(failure);
        if (!('retryAfterSeconds' in failure)) {
          // The date is 10 minutes ahead when the table is built; the test runs some seconds later (a busy machine: many).
          if (path.includes('%20GMT')) expect((seen as { retryAfterSeconds?: number }).retryAfterSeconds).toBeGreaterThan(480);
          if (path.includes('%20GMT')) expect((seen as { retryAfterSeconds?: number }).retryAfterSeconds).toBeLessThanOrEqual(600);
          else expect(seen).not.toHaveProperty('retryAfterSeconds');
        }
      } finally {
        client.close();
      }
    });

    it("keeps an OAuth error answer's status and Retry-After by correlation id, which MSAL's error drops", async () => {
      const client = createEntraNetworkClient({ ca: ca.caPem });
      try {
        const answer = await client.sendPostRequestAsync(`${url}/tenant/oauth2/v2.0/token`, { body: 'grant_type=refresh_token', correlationId: 'c-503' });
        expect(answer.status).toBe(503);
        expect(client.lastTokenErrorAnswer('c-503')).toMatchObject({ status: 503, retryAfterSeconds: 9, body: { error: 'temporarily_unavailable', error_codes: [50033] } });
        expect(client.lastTokenError('c-503')).toMatchObject({ error: 'temporarily_unavailable' });
      } finally {
        client.close();
      }
    });

    it('gives up on a server that does not answer', async () => {
      const client = createEntraNetworkClient({ ca: ca.caPem, requestTimeoutMs: 150 });
      try {
        const started = Date.now();
        await expect(client.sendGetRequestAsync(`${url}/silent`, {}, 100)).rejects.toMatchObject({ errorCode: 'network_error' });
        await expect(client.sendPostRequestAsync(`${url}/silent`, { body: '' })).rejects.toMatchObject({ errorCode: 'network_error' });
        expect(Date.now() - started).toBeLessThan(2_000);
      } finally {
        client.close();
      }
    });
  });
});

describe('entra network client: slow_down', () => {
  it('keeps MSAL polling through slow_down, and no later poll reaches the server before the slowed interval', async () => {
    const simulator = await simulatorWith({ pollIntervalSeconds: 0.1, slowDownIncrementSeconds: 0.25 });
    const tokenErrors: EntraTokenError[] = [];
    const network = createEntraNetworkClient({ ca: simulator.caPem, slowDownIncrementMs: 250, onTokenError: (error) => tokenErrors.push(error) });
    try {
      // MSAL's own timeout (seconds) ends the flow early if a regression makes the server answer slow_down forever.
      const signIn = startDeviceCodeSignIn(publicClientFor(simulator, CONTOSO.tenantId, network), { timeout: 8 });
      const userCode = await signIn.userCode;
      simulator.control.slowDownDeviceCode(userCode, 2);
      await waitFor(() => simulator.control.pollLog(userCode).length >= 3);
      simulator.control.completeDeviceCode({ userCode, upn: CONTOSO_ADMIN.upn });

      const outcome = await signIn.outcome;
      expect(outcome.ok && outcome.value?.account?.username).toBe(CONTOSO_ADMIN.upn);

      const polls = simulator.control.pollLog(userCode);
      expect(polls.map((poll) => poll.answer)).toEqual(['slow_down', 'slow_down', ...polls.slice(2, -1).map(() => 'authorization_pending'), 'tokens']);
      // The server's rule: after the k-th slow_down the gap must be at least interval + k × increment
      // (less the simulator's slack for whole-millisecond timers).
      let slowDowns = 0;
      for (let i = 1; i < polls.length; i += 1) {
        if (polls[i - 1].answer === 'slow_down') slowDowns += 1;
        const gap = polls[i].atMs - polls[i - 1].atMs;
        expect(gap).toBeGreaterThanOrEqual(100 + slowDowns * 250 - POLL_GAP_SLACK_MS);
      }
      expect(tokenErrors).toEqual([]);
    } finally {
      network.close();
    }
  });

  it('shows why the wait matters: without it every poll comes too soon and gets slow_down again', async () => {
    // A large increment, so that even on a loaded machine MSAL's 50 ms rhythm stays inside the required gap.
    const simulator = await simulatorWith({ pollIntervalSeconds: 0.05, slowDownIncrementSeconds: 0.5 });
    const network = createEntraNetworkClient({ ca: simulator.caPem, slowDownIncrementMs: 0 });
    try {
      const signIn = startDeviceCodeSignIn(publicClientFor(simulator, CONTOSO.tenantId, network));
      const userCode = await signIn.userCode;
      simulator.control.slowDownDeviceCode(userCode, 1);
      await waitFor(() => simulator.control.pollLog(userCode).length >= 4);
      signIn.request.cancel = true;
      const outcome = await signIn.outcome;
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.error.errorCode).toBe('device_code_polling_cancelled');
      const answers = simulator.control.pollLog(userCode).map((poll) => poll.answer);
      expect(answers.slice(0, 4)).toEqual(['slow_down', 'slow_down', 'slow_down', 'slow_down']);
    } finally {
      network.close();
    }
  });

  it('waits through the injected sleep, growing by the increment at each slow_down', async () => {
    const simulator = await simulatorWith({ pollIntervalSeconds: 0.02, slowDownIncrementSeconds: 0 });
    const sleeps: number[] = [];
    const network = createEntraNetworkClient({
      ca: simulator.caPem,
      slowDownIncrementMs: 40,
      sleep: (ms) => {
        sleeps.push(ms);
        return new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    try {
      const signIn = startDeviceCodeSignIn(publicClientFor(simulator, CONTOSO.tenantId, network));
      const userCode = await signIn.userCode;
      simulator.control.slowDownDeviceCode(userCode, 2);
      await waitFor(() => simulator.control.pollLog(userCode).length >= 4);
      simulator.control.completeDeviceCode({ userCode, upn: CONTOSO_ADMIN.upn });
      expect((await signIn.outcome).ok).toBe(true);
      expect(sleeps.slice(0, 2)).toEqual([40, 80]);
      expect(new Set(sleeps.slice(1))).toEqual(new Set([80]));
    } finally {
      network.close();
    }
  });
});

describe('entra network client: error bodies', () => {
  let simulator: IdentitySimulator;

  beforeAll(async () => {
    simulator = await simulatorWith({ pollIntervalSeconds: 0.02, clientIds: [CLIENT_ID] });
  });

  it('keeps the full error body per correlation id and hands it to onTokenError', async () => {
    const tokenErrors: EntraTokenError[] = [];
    const network = createEntraNetworkClient({ ca: simulator.caPem, onTokenError: (error) => tokenErrors.push(error) });
    try {
      const correlationId = '5b0c6a7e-1d2f-4e3a-9b8c-7d6e5f4a3b21';
      const signIn = startDeviceCodeSignIn(publicClientFor(simulator, CONTOSO.tenantId, network), { correlationId });
      const userCode = await signIn.userCode;
      await waitFor(() => simulator.control.pollLog(userCode).length >= 2); // some authorization_pending first
      simulator.control.completeDeviceCode({ userCode, upn: CONTOSO_ADMIN.upn, outcome: 'mfa-required' });
      const outcome = await signIn.outcome;
      if (outcome.ok) throw new Error('expected MFA to stop the sign-in');
      expect(outcome.error.correlationId).toBe(correlationId);

      expect(tokenErrors).toHaveLength(1);
      expect(tokenErrors[0]).toMatchObject({ correlationId, endpoint: 'token', status: 400 });
      expect(tokenErrors[0].body).toMatchObject({ error: 'invalid_grant', error_codes: [50076], correlation_id: correlationId });
      expect(tokenErrors[0].body.error_description).toMatch(/^AADSTS50076:/);
      expect(network.lastTokenError(correlationId)).toEqual(tokenErrors[0].body);
      expect(network.lastTokenError(undefined)).toBeUndefined(); // never "the latest error" of some other flow
      expect(network.lastTokenError('some-other-flow')).toBeUndefined();
    } finally {
      network.close();
    }
  });

  it('forgets an error once the same correlation id succeeds', async () => {
    const network = createEntraNetworkClient({ ca: simulator.caPem });
    try {
      const correlationId = '8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5f60';
      const client = publicClientFor(simulator, CONTOSO.tenantId, network);
      const failing = startDeviceCodeSignIn(client, { correlationId });
      simulator.control.declineDeviceCode(await failing.userCode);
      await failing.outcome;
      expect(network.lastTokenError(correlationId)?.error).toBe('authorization_declined');

      const retry = startDeviceCodeSignIn(client, { correlationId });
      simulator.control.completeDeviceCode({ userCode: await retry.userCode, upn: CONTOSO_ADMIN.upn });
      expect((await retry.outcome).ok).toBe(true);
      expect(network.lastTokenError(correlationId)).toBeUndefined();
    } finally {
      network.close();
    }
  });

  it('throws a refused device-code request as a ServerError with its AADSTS code instead of handing MSAL an empty code', async () => {
    const tokenErrors: EntraTokenError[] = [];
    const network = createEntraNetworkClient({ ca: simulator.caPem, onTokenError: (error) => tokenErrors.push(error) });
    try {
      const client = publicClientFor(simulator, CONTOSO.tenantId, network, '00000000-1111-4222-8333-444444444444');
      const callback = jest.fn();
      const error = await client.acquireTokenByDeviceCode({ scopes: ['User.Read'], deviceCodeCallback: callback }).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toMatchObject({ name: 'ServerError', errorCode: 'unauthorized_client', errorNo: '700016', status: 400 });
      expect(callback).not.toHaveBeenCalled();
      expect(tokenErrors.map((entry) => [entry.endpoint, entry.body.error_codes])).toEqual([['devicecode', [700016]]]);
    } finally {
      network.close();
    }
  });
});

describe('entra network client: logging', () => {
  it('writes one line per request with status and OAuth error, never a body', async () => {
    const simulator = await simulatorWith({ pollIntervalSeconds: 0.02, slowDownIncrementSeconds: 0.02 });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const network = createEntraNetworkClient({ ca: simulator.caPem, slowDownIncrementMs: 20, logger: pino({ level: 'debug' }, sink) });
    try {
      const signIn = startDeviceCodeSignIn(publicClientFor(simulator, CONTOSO.tenantId, network));
      const { userCode, deviceCode } = await signIn.deviceCodeResponse;
      simulator.control.slowDownDeviceCode(userCode, 1);
      await waitFor(() => simulator.control.pollLog(userCode).length >= 2);
      simulator.control.completeDeviceCode({ userCode, upn: CONTOSO_ADMIN.upn });
      const outcome = await signIn.outcome;
      if (!outcome.ok || !outcome.value) throw new Error('sign-in failed');

      const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const requests = events.filter((event) => event.event === 'entra.http');
      expect(requests.length).toBe(2 + simulator.control.pollLog(userCode).length);
      expect(requests.some((event) => event.error === 'slow_down')).toBe(true);
      expect(events.some((event) => event.event === 'entra.slow-down')).toBe(true);
      for (const event of requests) expect(Object.keys(event)).not.toContain('body');
      const log = lines.join('\n');
      for (const secret of [deviceCode, userCode, outcome.value.accessToken, outcome.value.idToken]) expect(log).not.toContain(secret);
      expect(log).not.toContain('client-request-id=');
    } finally {
      network.close();
    }
  });
});
