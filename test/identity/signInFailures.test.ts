import { quoted } from '../../src/domain/plainText';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import pino from 'pino';
import { MsalDeviceCodeAuthority } from '../../src/adapters/entra/deviceCodeSignIn';
import type { DeviceCodeOutcome } from '../../src/usecases/ports';
import { createEntraNetworkClient } from '../../src/adapters/entra/entraNetworkClient';
import { explainSignInFailure, sideOf, type SignInFailure } from '../../src/domain/signInFailures';
import { createLocalCaAsync } from '../../src/local/localCa';
import { createIdentitySimulator, type IdentitySimulator } from '../../src/local/identitySimulator';

const TENANT = '6f1c2b3a-8d4e-4c5f-9a7b-1e2d3c4b5a60';
const silent = pino({ level: 'silent' });

describe('whose failure it is (one table)', () => {
  const cases: [string, SignInFailure, 'ours' | 'microsoft' | 'entra'][] = [
    ['an MSAL option or authority problem, nothing sent', { kind: 'client', code: 'endpoints_resolution_error', requestsSent: 0 }, 'ours'],
    ['any other MSAL client error', { kind: 'client', code: 'untrusted_authority', requestsSent: 0 }, 'ours'],
    ['a certificate we do not trust', { kind: 'transport', failure: { kind: 'tls-untrusted', host: 'login.microsoftonline.com', code: 'SELF_SIGNED_CERT_IN_CHAIN' } }, 'ours'],
    ['a bad client id (AADSTS700016)', { kind: 'entra', error: { error: 'unauthorized_client', errorCodes: [700016] } }, 'ours'],
    ['an app that is not a public client (AADSTS7000218)', { kind: 'entra', error: { error: 'invalid_client', errorCodes: [7000218] } }, 'ours'],
    ['Entra unreachable', { kind: 'transport', failure: { kind: 'unreachable', host: 'login.microsoftonline.com', code: 'ECONNREFUSED' } }, 'microsoft'],
    ['Entra too slow', { kind: 'transport', failure: { kind: 'timeout', host: 'login.microsoftonline.com', timeoutMs: 30000 } }, 'microsoft'],
    ['a 503 without a body', { kind: 'transport', failure: { kind: 'http-status', host: 'login.microsoftonline.com', status: 503 } }, 'microsoft'],
    ['Entra busy', { kind: 'entra', error: { error: 'temporarily_unavailable' }, status: 503 }, 'microsoft'],
    ['a 5xx with an OAuth body', { kind: 'entra', error: { error: 'server_error_of_some_kind' }, status: 500 }, 'microsoft'],
    ['MFA required (AADSTS50076)', { kind: 'entra', error: { error: 'invalid_grant', errorCodes: [50076] } }, 'entra'],
    ['Conditional Access (AADSTS53003)', { kind: 'entra', error: { error: 'invalid_grant', errorCodes: [53003] } }, 'entra'],
    ['an unknown Entra code', { kind: 'entra', error: { error: 'invalid_request', errorCodes: [9999999] } }, 'entra'],
  ];

  it.each(cases)('%s is %s', (_name, failure, side) => {
    expect(sideOf(failure)).toBe(side);
    const e = explainSignInFailure(failure);
    expect(e.side).toBe(side);
    const customerWords = `${e.title} ${e.cause} ${e.nextStepText}`;
    if (side === 'ours') {
      expect(e.title).toBe('The service is not set up correctly');
      expect(customerWords).toContain('Your provider has been told');
      expect(customerWords).not.toMatch(/try again|Microsoft answered/i);
      expect(e.staffDetail).toBeTruthy();
      expect(e.retryable).toBe(false);
    }
    if (side === 'microsoft') {
      expect(customerWords).toMatch(/Microsoft's sign-in service/);
      expect(customerWords).toContain('Try again in a few minutes');
      expect(e.retryable).toBe(true);
    }
    if (side === 'entra') expect(e.staffDetail).toBeUndefined();
  });

  it('says what MSAL stopped on, and how many requests went out, for staff', () => {
    const e = explainSignInFailure({ kind: 'client', code: 'endpoints_resolution_error', message: 'Endpoints cannot be resolved', requestsSent: 0 });
    expect(e.staffDetail).toBe(`MSAL stopped before Entra answered (endpoints_resolution_error: ${quoted('Endpoints cannot be resolved')}; 0 requests sent). Check ENTRA_AUTHORITY_HOST and ENTRA_CLIENT_ID.`);
  });
});

describe('what a real MSAL session reports', () => {
  let simulator: IdentitySimulator;
  beforeAll(async () => {
    simulator = await createIdentitySimulator({ pollIntervalSeconds: 0.05 });
  });
  afterAll(() => simulator.close());

  const run = async (authorityHost: string, ca?: string): Promise<DeviceCodeOutcome> => {
    const networkClient = createEntraNetworkClient({ ca, requestTimeoutMs: 2_000 });
    try {
      const authority = new MsalDeviceCodeAuthority({ clientId: '3f7b2c1d-9e8a-4b6c-8d5e-2a1b0c9d8e7f', authorityHost, scopes: ['User.Read'], networkClient, logger: silent });
      return await authority.start(TENANT, () => undefined).outcome;
    } finally {
      networkClient.close();
    }
  };

  it('an authority whose certificate is not trusted is our side', async () => {
    const outcome = await run(simulator.url); // the simulator's CA is not given
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'transport', failure: { kind: 'tls-untrusted' } } });
    if (!outcome.ok && !outcome.cancelled) expect(sideOf(outcome.failure)).toBe('ours');
  });

  it('an authority that refuses connections is Microsoft\'s side', async () => {
    const probe = createNetServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const outcome = await run(`https://127.0.0.1:${port}`);
    expect(outcome).toMatchObject({ ok: false, failure: { kind: 'transport', failure: { kind: 'unreachable', code: 'ECONNREFUSED' } } });
    if (!outcome.ok && !outcome.cancelled) expect(sideOf(outcome.failure)).toBe('microsoft');
  });

  it('an authority answering 503 is Microsoft\'s side', async () => {
    const ca = await createLocalCaAsync();
    const server = createHttpsServer({ cert: ca.serverCertPem, key: ca.serverKeyPem }, (_req, res) => {
      res.statusCode = 503;
      res.end('<html>Service Unavailable</html>');
    });
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    try {
      const outcome = await run(`https://127.0.0.1:${port}`, ca.caPem);
      expect(outcome).toMatchObject({ ok: false, failure: { kind: 'transport', failure: { kind: 'http-status', status: 503 } } });
      if (!outcome.ok && !outcome.cancelled) expect(sideOf(outcome.failure)).toBe('microsoft');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('an MFA-required sign-in is Entra\'s answer, explained from the table', async () => {
    const networkClient = createEntraNetworkClient({ ca: simulator.caPem });
    try {
      const authority = new MsalDeviceCodeAuthority({ clientId: '3f7b2c1d-9e8a-4b6c-8d5e-2a1b0c9d8e7f', authorityHost: simulator.url, scopes: ['User.Read'], networkClient, logger: silent });
      const session = authority.start('contoso.onmicrosoft.com', (prompt) => void simulator.control.completeDeviceCode({ userCode: prompt.userCode, upn: 'megan.bowen@contoso.onmicrosoft.com', outcome: 'mfa-required' }));
      const outcome = await session.outcome;
      expect(outcome).toMatchObject({ ok: false, failure: { kind: 'entra', error: { errorCodes: [50076] } } });
      if (!outcome.ok && !outcome.cancelled) expect(explainSignInFailure(outcome.failure)).toMatchObject({ side: 'entra', code: 'AADSTS50076' });
    } finally {
      networkClient.close();
    }
  });
});
