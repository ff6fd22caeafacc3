import { Writable } from 'node:stream';
import pino from 'pino';
import { createIdentitySimulator, IdentitySimulator } from '../../src/local/identitySimulator';
import { callSimulator, CLIENT_ID, CONTOSO, CONTOSO_ADMIN, GRAPH_DEFAULT } from './identitySimulatorHarness';

/**
 * MSAL polls the token endpoint every few seconds while a person finds the sign-in page: at info,
 * `npm start` printed a line per poll. The waiting answers are debug; what ends a sign-in stays info.
 */
describe('identity simulator log levels for device-code polls', () => {
  let simulator: IdentitySimulator;
  const records: { level: number; event?: string; answer?: string }[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) records.push(JSON.parse(line));
        done();
      },
    });
    simulator = await createIdentitySimulator({ pollIntervalSeconds: 0, logger: pino({ level: 'debug' }, sink) });
  });
  afterAll(() => simulator.close());

  it('logs "authorization_pending" polls at debug and the poll that gets the tokens at info', async () => {
    const token = `/${CONTOSO.tenantId}/oauth2/v2.0/token`;
    const started = await callSimulator(simulator, 'POST', `/${CONTOSO.tenantId}/oauth2/v2.0/devicecode`, {
      form: { client_id: CLIENT_ID, scope: `${GRAPH_DEFAULT} offline_access` },
    });
    const { device_code: deviceCode, user_code: userCode } = started.json<{ device_code: string; user_code: string }>();
    const poll = () =>
      callSimulator(simulator, 'POST', token, { form: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: CLIENT_ID, device_code: deviceCode } });

    expect((await poll()).json()).toMatchObject({ error: 'authorization_pending' });
    expect((await poll()).json()).toMatchObject({ error: 'authorization_pending' });
    simulator.control.completeDeviceCode({ userCode, upn: CONTOSO_ADMIN.upn });
    expect((await poll()).status).toBe(200);

    const polls = records.filter((record) => record.event === 'identity-simulator.token').map((record) => [record.answer, pino.levels.labels[record.level]]);
    expect(polls).toEqual([
      ['authorization_pending', 'debug'],
      ['authorization_pending', 'debug'],
      ['tokens', 'info'],
    ]);
  });
});
