import { quoted } from '../../src/domain/plainText';
import fc from 'fast-check';
import {
  EntraErrorInput,
  EntraExplanation,
  explainEntraError,
  isAdminApprovalRequired,
  NextStep,
  parseEntraErrorBody,
} from '../../src/domain/entraErrors';

const NEXT_STEPS: NextStep[] = [
  'new-code',
  'retry',
  'use-another-account',
  'request-approval',
  'wait-for-approval',
  'contact-admin',
  'reinvite',
  'check-configuration',
  'sign-in-again',
];
const GENERIC_TITLE = explainEntraError({}).title;

/** Builds a body the way Entra's token endpoint sends it (ids and times are made up). */
function entraBody(error: string, code: number | undefined, message: string, extra: Record<string, unknown> = {}) {
  const traceId = '0d5c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
  const correlationId = '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910';
  const timestamp = '2025-03-14 09:26:53Z';
  const prefix = code === undefined ? '' : `AADSTS${code}: `;
  return {
    error,
    error_description: `${prefix}${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    ...(code === undefined ? {} : { error_codes: [code] }),
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    ...(code === undefined ? {} : { error_uri: `https://login.microsoftonline.com/error?code=${code}` }),
    ...extra,
  };
}

/** Captured-shape bodies for the errors the sign-in flow and the validator meet. */
const bodies = {
  refreshInactive70008: entraBody(
    'invalid_grant',
    70008,
    'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  ),
  refreshInactive700082: entraBody(
    'invalid_grant',
    700082,
    'The refresh token has expired due to inactivity. The token was issued on 2024-11-01T08:00:00.0000000Z and was inactive for 90.00:00:00.',
  ),
  signInFrequency70043: entraBody(
    'invalid_grant',
    70043,
    'The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued on 2025-03-13T08:00:00.0000000Z and the maximum allowed lifetime for this request is 3600.',
    { suberror: 'bad_token' },
  ),
  conditionalAccess53003: entraBody(
    'invalid_grant',
    53003,
    'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
    { suberror: 'message_only', claims: '{"access_token":{"capolids":{"essential":true,"values":["1a2b"]}}}' },
  ),
  deviceFlowBlocked530033: entraBody(
    'invalid_grant',
    530033,
    'Remote device flow blocked due to device-based conditional access.',
  ),
  mfaRequired50076: entraBody(
    'invalid_grant',
    50076,
    "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.",
    { suberror: 'basic_action', claims: '{"access_token":{"capolids":{"essential":true,"values":["9f8e"]}}}' },
  ),
  consentMissing65001: entraBody(
    'invalid_grant',
    65001,
    "The user or administrator has not consented to use the application with ID 'a1b2c3d4-0000-4000-8000-000000000001' named 'Tenant Access'. Send an interactive authorization request for this user and resource.",
    { suberror: 'consent_required' },
  ),
  wrongPassword50126: entraBody(
    'invalid_grant',
    50126,
    'Error validating credentials due to invalid username or password.',
  ),
  notAssigned50105: entraBody(
    'invalid_grant',
    50105,
    "Your administrator has configured the application Tenant Access ('a1b2c3d4-0000-4000-8000-000000000001') to block users unless they are specifically granted ('assigned') access to the application.",
  ),
  appNotFound700016: entraBody(
    'unauthorized_client',
    700016,
    "Application with identifier 'a1b2c3d4-0000-4000-8000-000000000001' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
  ),
  resourceMissing500011: entraBody(
    'invalid_resource',
    500011,
    "The resource principal named https://api.example.test was not found in the tenant named Contoso. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
  ),
  pending: entraBody(
    'authorization_pending',
    70016,
    'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
  ),
  slowDown: entraBody('slow_down', undefined, 'Polling too frequently.'),
  deviceCodeExpired: entraBody(
    'expired_token',
    70020,
    "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
  ),
  declined: entraBody('authorization_declined', undefined, 'The end user denied the authorization request.'),
};

function explainBody(body: unknown): EntraExplanation {
  const input = parseEntraErrorBody(body);
  if (!input) throw new Error('fixture did not parse');
  return explainEntraError(input);
}

describe('explainEntraError on captured-shape Entra bodies', () => {
  it.each([
    ['refreshInactive70008', 'AADSTS70008'],
    ['refreshInactive700082', 'AADSTS700082'],
    ['signInFrequency70043', 'AADSTS70043'],
  ] as const)('asks for a re-invitation when the saved sign-in is dead (%s)', (name, code) => {
    const explanation = explainBody(bodies[name]);
    expect(explanation).toMatchObject({ code, nextStep: 'reinvite', retryable: false, needsAdminConsent: false });
  });

  it('explains that a Conditional Access policy blocks device code sign-in and what the admin can change', () => {
    const explanation = explainBody(bodies.conditionalAccess53003);
    expect(explanation).toMatchObject({ code: 'AADSTS53003', nextStep: 'contact-admin', retryable: false });
    expect(explanation.cause).toMatch(/Conditional Access/);
    expect(explanation.cause).toMatch(/device code/);
    expect(explanation.nextStepText).toMatch(/exclude/);
    expect(explanation.nextStepText).toMatch(/Authentication flows/);
    expect(explanation.nextStepText).toMatch(/sign-in logs/);
  });

  it('explains that a device requirement cannot be met with device code sign-in (530033)', () => {
    const explanation = explainBody(bodies.deviceFlowBlocked530033);
    expect(explanation).toMatchObject({ code: 'AADSTS530033', nextStep: 'contact-admin', retryable: false });
    expect(explanation.cause).toMatch(/managed device/);
  });

  it('asks for a fresh sign-in with MFA when MFA is required (50076)', () => {
    const explanation = explainBody(bodies.mfaRequired50076);
    expect(explanation).toMatchObject({ code: 'AADSTS50076', nextStep: 'sign-in-again', needsAdminConsent: false });
    expect(explanation.cause).toMatch(/multi-factor/);
  });

  it('says MFA registration is missing and where to register (50079)', () => {
    const explanation = explainEntraError({ error: 'invalid_grant', errorCodes: [50079] });
    expect(explanation).toMatchObject({ code: 'AADSTS50079', nextStep: 'sign-in-again' });
    expect(explanation.nextStepText).toContain('https://aka.ms/mysecurityinfo');
  });

  it('marks missing consent as needing an admin (65001)', () => {
    const explanation = explainBody(bodies.consentMissing65001);
    expect(explanation).toMatchObject({ code: 'AADSTS65001', nextStep: 'request-approval', needsAdminConsent: true });
  });

  it('treats a declined permissions screen as something the same person can redo (65004)', () => {
    const explanation = explainEntraError({ error: 'invalid_grant', errorCodes: [65004] });
    expect(explanation).toMatchObject({ nextStep: 'sign-in-again', needsAdminConsent: false, retryable: true });
  });

  it.each([90094, 90095])('sends admin-approval-required (%i) to the admin consent workflow', (code) => {
    const explanation = explainEntraError({ error: 'access_denied', errorCodes: [code] });
    expect(explanation).toMatchObject({
      code: `AADSTS${code}`,
      nextStep: 'request-approval',
      needsAdminConsent: true,
      retryable: false,
    });
    expect(explanation.nextStepText).toMatch(/Request approval/);
  });

  it('says how to assign an unassigned account (50105)', () => {
    const explanation = explainBody(bodies.notAssigned50105);
    expect(explanation).toMatchObject({ code: 'AADSTS50105', nextStep: 'contact-admin' });
    expect(explanation.nextStepText).toMatch(/Users and groups/);
  });

  it('lets the person retry a wrong password (50126)', () => {
    expect(explainBody(bodies.wrongPassword50126)).toMatchObject({ nextStep: 'retry', retryable: true });
  });

  it.each([
    ['appNotFound700016', 'AADSTS700016'],
    ['resourceMissing500011', 'AADSTS500011'],
  ] as const)('points at the configuration when something is missing in the tenant (%s)', (name, code) => {
    expect(explainBody(bodies[name])).toMatchObject({ code, nextStep: 'check-configuration', retryable: false });
  });

  it('maps the device-flow polling answers to "keep waiting", not to an error', () => {
    for (const body of [bodies.pending, bodies.slowDown]) {
      const explanation = explainBody(body);
      expect(explanation).toMatchObject({ nextStep: 'retry', retryable: true, needsAdminConsent: false });
      expect(explanation.title).toBe('Waiting for sign-in');
    }
  });

  it('falls back to the OAuth error for an unlisted code and keeps the code for support', () => {
    const explanation = explainBody(bodies.deviceCodeExpired);
    expect(explanation).toMatchObject({ code: 'AADSTS70020', nextStep: 'new-code', retryable: true });
    expect(explanation.title).toMatch(/expired/);
  });

  it.each([
    ['authorization_declined', 'new-code'],
    ['expired_token', 'new-code'],
    ['bad_verification_code', 'new-code'],
    ['access_denied', 'new-code'],
    ['consent_required', 'request-approval'],
    ['invalid_grant', 'sign-in-again'],
    ['slow_down', 'retry'],
    ['authorization_pending', 'retry'],
  ] as const)('explains the OAuth error %s with next step %s', (error, nextStep) => {
    const explanation = explainEntraError({ error });
    expect(explanation.code).toBe(error);
    expect(explanation.nextStep).toBe(nextStep);
    expect(explanation.title).not.toBe(GENERIC_TITLE);
  });

  it('reads the code from the description when error_codes is missing (as in MSAL errors)', () => {
    const explanation = explainEntraError({
      error: 'invalid_grant',
      description: 'AADSTS50105: Your administrator has configured the application to block users. Trace ID: x',
    });
    expect(explanation.code).toBe('AADSTS50105');
    expect(explanation.nextStep).toBe('contact-admin');
  });

  it('prefers error_codes over the description and the description over the error string', () => {
    expect(
      explainEntraError({ error: 'invalid_grant', errorCodes: [53003], description: 'AADSTS50126: wrong password' })
        .code,
    ).toBe('AADSTS53003');
    expect(explainEntraError({ error: 'expired_token', description: 'AADSTS70008: expired' }).nextStep).toBe(
      'reinvite',
    );
  });

  it('uses the first known code when Entra lists several', () => {
    expect(explainEntraError({ errorCodes: [123456, 50076, 53003] }).code).toBe('AADSTS50076');
  });

  it('gives unknown errors a generic explanation that still names the code and quotes Microsoft', () => {
    const explanation = explainEntraError({
      error: 'invalid_request',
      errorCodes: [9002313],
      description: 'AADSTS9002313: Invalid request. Request is malformed or invalid.\r\nTrace ID: abc\r\nCorrelation ID: def',
    });
    expect(explanation.code).toBe('AADSTS9002313');
    expect(explanation.title).toBe(GENERIC_TITLE);
    // Microsoft's words are quoted: shown as plain text, exactly as they came.
    expect(explanation.cause).toBe(`Microsoft answered AADSTS9002313: ${quoted('Invalid request. Request is malformed or invalid.')}`);
    expect(explanation.cause).not.toMatch(/Trace ID/);
  });

  it('names an unknown OAuth error string when there is no code', () => {
    const explanation = explainEntraError({ error: 'server_error' });
    expect(explanation).toMatchObject({ code: 'server_error', title: GENERIC_TITLE });
    expect(explanation.cause).toContain('server_error');
  });

  it('strips markup from an odd error string before it reaches a card', () => {
    expect(explainEntraError({ error: '<b>bad</b>${x}' }).code).toBe('bbadbx');
  });

  it('never throws and always returns a well-formed explanation, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (garbage) => {
        expectWellFormed(explainEntraError(garbage as EntraErrorInput));
        expect(typeof isAdminApprovalRequired(garbage as EntraErrorInput)).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on inputs shaped like Entra errors with arbitrary contents', () => {
    const input = fc.record(
      {
        error: fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('invalid_grant', 'access_denied', 'slow_down')),
        errorCodes: fc.array(fc.oneof(fc.integer(), fc.double(), fc.constantFrom(53003, 65001, 90095, 0, -1))),
        description: fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.constant('AADSTS99999999999: x')),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(input, (value) => {
        expectWellFormed(explainEntraError(value));
      }),
      { numRuns: 500 },
    );
  });

  it('survives objects whose getters throw', () => {
    const hostile = Object.defineProperty({}, 'error', {
      get() {
        throw new Error('boom');
      },
    });
    expectWellFormed(explainEntraError(hostile as EntraErrorInput));
  });

  it('lets a listed code win over any error string and description', () => {
    const listed = [70008, 700082, 70043, 53003, 530033, 50076, 50079, 50105, 50126, 65001, 65004, 90094, 90095];
    fc.assert(
      fc.property(fc.constantFrom(...listed), fc.string(), fc.string(), (code, error, description) => {
        const explanation = explainEntraError({ error, errorCodes: [code], description });
        expect(explanation.code).toBe(`AADSTS${code}`);
        expect(explanation.title).not.toBe(GENERIC_TITLE);
      }),
    );
  });

  it('keeps every specific text short enough for a card and free of unresolved template syntax', () => {
    const keys: EntraErrorInput[] = [
      ...[70008, 700082, 70043, 53003, 530033, 50076, 50079, 50105, 50126, 65001, 65004, 90094, 90095, 700016, 500011]
        .map((code) => ({ errorCodes: [code] })),
      ...['authorization_declined', 'expired_token', 'bad_verification_code', 'access_denied', 'consent_required'].map(
        (error) => ({ error }),
      ),
    ];
    for (const key of keys) {
      const explanation = explainEntraError(key);
      expect(explanation.title).not.toBe(GENERIC_TITLE);
      expect(explanation.title.length).toBeLessThanOrEqual(60);
      expect(explanation.cause.length).toBeLessThanOrEqual(300);
      expect(explanation.nextStepText.length).toBeLessThanOrEqual(320);
      expect(`${explanation.title}${explanation.cause}${explanation.nextStepText}`).not.toMatch(/\$\{/);
    }
  });
});

describe('isAdminApprovalRequired', () => {
  it.each<[string, EntraErrorInput]>([
    ['65001', { error: 'invalid_grant', errorCodes: [65001] }],
    ['90094', { error: 'access_denied', errorCodes: [90094] }],
    ['90095', { error: 'access_denied', errorCodes: [90095] }],
    ['90095 in the description only', { error: 'access_denied', description: 'AADSTS90095: Admin approval required.' }],
    ['consent_required', { error: 'consent_required' }],
    [
      'access_denied after an approval request',
      { error: 'access_denied', description: 'The user requested admin approval for this application.' },
    ],
    [
      'access_denied, consent request pending',
      { error: 'access_denied', description: 'Admin consent request pending.' },
    ],
  ])('is true for %s', (_name, input) => {
    expect(isAdminApprovalRequired(input)).toBe(true);
  });

  it.each<[string, EntraErrorInput]>([
    ['a plain access_denied', { error: 'access_denied', description: 'The user denied the request.' }],
    ['53003', { error: 'invalid_grant', errorCodes: [53003] }],
    ['65004 (the user declined)', { error: 'invalid_grant', errorCodes: [65004] }],
    ['an unknown code', { error: 'invalid_grant', errorCodes: [123] }],
    ['an approval mention on another error', { error: 'invalid_grant', description: 'admin approval' }],
    ['nothing', {}],
  ])('is false for %s', (_name, input) => {
    expect(isAdminApprovalRequired(input)).toBe(false);
  });

  it('says "wait for approval" once the request was sent', () => {
    const explanation = explainEntraError({
      error: 'access_denied',
      description: 'The user requested admin approval for this application.',
    });
    expect(explanation).toMatchObject({
      code: 'access_denied',
      nextStep: 'wait-for-approval',
      needsAdminConsent: true,
    });
  });
});

describe('parseEntraErrorBody', () => {
  it('turns the wire body into the camelCase input', () => {
    expect(parseEntraErrorBody(bodies.refreshInactive70008)).toEqual({
      error: 'invalid_grant',
      errorCodes: [70008],
      description: bodies.refreshInactive70008.error_description,
      traceId: '0d5c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
      correlationId: '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910',
    });
  });

  it('accepts the raw JSON text too', () => {
    expect(parseEntraErrorBody(JSON.stringify(bodies.conditionalAccess53003))?.errorCodes).toEqual([53003]);
  });

  it('accepts a minimal OAuth error body', () => {
    expect(parseEntraErrorBody({ error: 'slow_down' })).toEqual({ error: 'slow_down' });
  });

  it('caps an oversized description instead of rejecting the error', () => {
    const parsed = parseEntraErrorBody({ error: 'invalid_grant', error_description: 'x'.repeat(50_000) });
    expect(parsed?.description).toHaveLength(4_000);
  });

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an array', [{ error: 'invalid_grant' }]],
    ['text that is not JSON', '<html>Bad gateway</html>'],
    ['JSON without error', '{"error_description":"AADSTS50126: x"}'],
    ['an empty error', { error: '' }],
    ['a numeric error', { error: 400 }],
    ['codes as strings', { error: 'invalid_grant', error_codes: ['70008'] }],
    ['codes not an array', { error: 'invalid_grant', error_codes: 70008 }],
    ['a non-string description', { error: 'invalid_grant', error_description: { text: 'x' } }],
    ['a token success body', { access_token: 'eyJ...', token_type: 'Bearer', expires_in: 3599 }],
  ])('returns undefined for %s', (_name, body) => {
    expect(parseEntraErrorBody(body)).toBeUndefined();
  });

  it('never throws on arbitrary values or arbitrary JSON text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.json(), fc.string({ unit: 'binary' })), (body) => {
        const parsed = parseEntraErrorBody(body);
        if (parsed !== undefined) {
          expect(typeof parsed.error).toBe('string');
          expectWellFormed(explainEntraError(parsed));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every field of any well-formed body', () => {
    const body = fc.record({
      error: fc.string({ minLength: 1, maxLength: 256 }),
      error_description: fc.string({ maxLength: 4000 }),
      error_codes: fc.array(fc.nat(), { maxLength: 5 }),
      trace_id: fc.uuid(),
      correlation_id: fc.uuid(),
    });
    fc.assert(
      fc.property(body, (wire) => {
        expect(parseEntraErrorBody(wire)).toEqual({
          error: wire.error,
          errorCodes: wire.error_codes,
          description: wire.error_description,
          traceId: wire.trace_id,
          correlationId: wire.correlation_id,
        });
      }),
    );
  });
});

function expectWellFormed(explanation: EntraExplanation): void {
  expect(typeof explanation.code).toBe('string');
  expect(explanation.code.length).toBeGreaterThan(0);
  expect(explanation.code.length).toBeLessThanOrEqual(64);
  expect(explanation.title.length).toBeGreaterThan(0);
  expect(explanation.cause.length).toBeGreaterThan(0);
  expect(explanation.cause.length).toBeLessThanOrEqual(400);
  expect(explanation.nextStepText.length).toBeGreaterThan(0);
  expect(NEXT_STEPS).toContain(explanation.nextStep);
  expect(typeof explanation.needsAdminConsent).toBe('boolean');
  expect(typeof explanation.retryable).toBe('boolean');
}

describe('explainEntraError at refresh time (validation): staff read it, about the customer', () => {
  const REFRESH_CODES = [70008, 700082, 50173, 50132, 70044, 70043, 50076, 50079, 53003, 530033, 65001, 700016, 7000112, 50057, 50053, 50034, 90002, 500011];

  it.each(REFRESH_CODES)('AADSTS%i has its own words, short enough for a card', (code) => {
    const atRefresh = explainEntraError({ errorCodes: [code] }, 'refresh');
    expect(atRefresh.code).toBe(`AADSTS${code}`);
    expect(atRefresh.title).not.toBe(GENERIC_TITLE);
    expect(atRefresh.title.length).toBeLessThanOrEqual(60);
    expect(atRefresh.cause.length).toBeLessThanOrEqual(300);
    expect(atRefresh.nextStepText.length).toBeLessThanOrEqual(320);
    expect(NEXT_STEPS).toContain(atRefresh.nextStep);
    // Staff words: never "your organization", which is the customer's page speaking.
    expect(`${atRefresh.cause} ${atRefresh.nextStepText}`).not.toMatch(/\byour (organization|provider)\b/i);
  });

  it('sends the saved sign-in that is dead for good to a new invitation', () => {
    for (const code of [70008, 700082, 50173, 50132, 70044, 50076, 50034, 700016]) {
      expect(`${code}: ${explainEntraError({ errorCodes: [code] }, 'refresh').nextStep}`).toBe(`${code}: reinvite`);
    }
  });

  it('asks the customer\'s admin to change a setting when the sign-in itself is fine (CA, disabled app or account)', () => {
    for (const code of [53003, 530033, 7000112, 50057]) {
      expect(`${code}: ${explainEntraError({ errorCodes: [code] }, 'refresh').nextStep}`).toBe(`${code}: contact-admin`);
    }
  });

  it('tells a deleted app (700016) from a wrong app only after a working sign-in', () => {
    expect(explainEntraError({ errorCodes: [700016] }).title).toBe('The app was not found in your organization');
    expect(explainEntraError({ errorCodes: [700016] }, 'refresh').title).toBe("The app was deleted in the customer's organization");
    expect(explainEntraError({ errorCodes: [50034] }).title).toBe('This account is not in the invited organization');
    expect(explainEntraError({ errorCodes: [50034] }, 'refresh').title).toBe('The account no longer exists');
  });

  it('keeps the sign-in words as they were for the codes new to the table', () => {
    expect(explainEntraError({ errorCodes: [50053] })).toMatchObject({ title: 'The account is locked', nextStep: 'retry', retryable: true });
    expect(explainEntraError({ errorCodes: [90002] })).toMatchObject({ title: 'The organization was not found' });
    expect(explainEntraError({ errorCodes: [7000112] })).toMatchObject({ title: 'The app is disabled in your organization', nextStep: 'contact-admin' });
    expect(explainEntraError({ errorCodes: [50132] })).toMatchObject({ nextStep: 'sign-in-again' });
    expect(explainEntraError({ errorCodes: [70044] })).toMatchObject({ nextStep: 'sign-in-again' });
  });

  it('falls back by OAuth error, and for the unknown says Microsoft refused the saved sign-in', () => {
    expect(explainEntraError({ error: 'invalid_grant' }, 'refresh').nextStep).toBe('reinvite');
    expect(explainEntraError({ error: 'interaction_required' }, 'refresh').nextStep).toBe('reinvite');
    expect(explainEntraError({ error: 'invalid_grant', errorCodes: [123456] }, 'refresh')).toMatchObject({ code: 'AADSTS123456', nextStep: 'reinvite' });
    expect(explainEntraError({ error: 'odd_error', errorCodes: [123456] }, 'refresh').title).toBe('Microsoft refused the saved sign-in');
    expect(explainEntraError({ error: 'odd_error', errorCodes: [123456] }).title).toBe(GENERIC_TITLE);
  });
});
