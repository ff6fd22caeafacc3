import { randomUUID } from 'node:crypto';

/** The JSON body Entra's v2 endpoints answer errors with (HTTP 400 for OAuth errors). */
export interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
  claims?: string;
}

interface EntraErrorDefinition {
  error: string;
  code: number;
  message: (detail: Record<string, string>) => string;
  suberror?: string;
  claims?: string;
  /** The control API's refresh-failure switch may force this answer by its code. */
  refreshSwitch?: boolean;
}

/**
 * The answers the simulator gives, with the OAuth error and AADSTS code Entra uses for each. Where Entra's exact
 * choice is not documented (slow_down: Entra is not known to send it; the admin-consent-workflow request) the
 * simulator picks the nearest documented code and says so here.
 */
const DEFINITIONS = {
  'authorization-pending': {
    error: 'authorization_pending',
    code: 70016,
    message: () => 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
  },
  // Simulator's own: RFC 8628 slow_down under the pending code, so clients that only read error_codes keep polling.
  'slow-down': {
    error: 'slow_down',
    code: 70016,
    message: () => 'OAuth 2.0 device flow error. Polling too fast; wait longer between polls.',
  },
  'expired-token': {
    error: 'expired_token',
    code: 70019,
    message: () => 'Verification code expired.',
  },
  'authorization-declined': {
    error: 'authorization_declined',
    code: 65004,
    message: () => 'User declined to consent to access the app.',
  },
  'bad-device-code': {
    error: 'invalid_grant',
    code: 70000,
    message: () => "The provided value for the input parameter 'device_code' is not valid.",
  },
  'code-already-redeemed': {
    error: 'invalid_grant',
    code: 54005,
    message: () => 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  },
  'mfa-required': {
    error: 'invalid_grant',
    code: 50076,
    suberror: 'basic_action',
    claims: '{"access_token":{"capolids":{"essential":true,"values":["00000000-0000-0000-0000-00000000cafe"]}}}',
    message: (d) =>
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${d.resource ?? '00000003-0000-0000-c000-000000000000'}'.`,
  },
  'conditional-access-blocked': {
    error: 'invalid_grant',
    code: 53003,
    suberror: 'message_only',
    message: () => 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
  },
  // The admin consent workflow: the user asked for approval instead of consenting. Entra documents 90094 for
  // "admin permission required"; access_denied is the RFC 6749 error for a refused grant.
  'admin-approval-required': {
    error: 'access_denied',
    code: 90094,
    message: (d) =>
      `The grant requires admin permission. Admin consent is required for the permissions requested by application '${d.clientId ?? ''}'. An admin consent request has been sent to the admin.`,
  },
  // --- Refresh-token redemption (grant_type=refresh_token). `refreshSwitch` marks the answers the control API's
  // refresh-failure switch can force by code (`REFRESH_FAILURE_KINDS` below), one kind per code. Shapes follow
  // bodies Entra has been seen to send: dead grants are invalid_grant with suberror bad_token (that is what makes
  // MSAL throw InteractionRequiredAuthError); what a new interactive sign-in can satisfy (MFA, Conditional Access,
  // sign-in frequency) is interaction_required; consent is invalid_grant with suberror consent_required.
  // Where Entra's wording is not published, the message says what the code means in Entra's tone.
  'refresh-token-expired': {
    error: 'invalid_grant',
    code: 70008,
    suberror: 'bad_token',
    refreshSwitch: true,
    message: () =>
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  },
  'refresh-token-inactive': {
    error: 'invalid_grant',
    code: 700082,
    suberror: 'bad_token',
    refreshSwitch: true,
    message: (d) =>
      `The refresh token has expired due to inactivity. The token was issued on ${d.issuedAt || 'an earlier date'} and was inactive for 90.00:00:00.`,
  },
  'refresh-token-revoked': {
    error: 'invalid_grant',
    code: 50173,
    suberror: 'bad_token',
    refreshSwitch: true,
    message: (d) =>
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${d.issuedAt || 'an earlier date'}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${d.validFrom || 'a later date'}'.`,
  },
  'session-invalid-after-password-change': {
    error: 'invalid_grant',
    code: 50132,
    suberror: 'bad_token',
    refreshSwitch: true,
    message: () => 'The session is not valid due to password expiration or recent password change.',
  },
  'session-expired-by-policy': {
    error: 'interaction_required',
    code: 70044,
    refreshSwitch: true,
    message: () => 'The session has expired or is invalid due to sign-in frequency checks by conditional access.',
  },
  'refresh-mfa-required': {
    error: 'interaction_required',
    code: 50076,
    suberror: 'basic_action',
    claims: '{"access_token":{"capolids":{"essential":true,"values":["00000000-0000-0000-0000-00000000cafe"]}}}',
    refreshSwitch: true,
    message: (d) =>
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${d.resource || '00000003-0000-0000-c000-000000000000'}'.`,
  },
  'mfa-registration-required': {
    error: 'interaction_required',
    code: 50079,
    suberror: 'basic_action',
    refreshSwitch: true,
    message: (d) =>
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '${d.resource || '00000003-0000-0000-c000-000000000000'}'.`,
  },
  'refresh-conditional-access-blocked': {
    error: 'interaction_required',
    code: 53003,
    suberror: 'message_only',
    claims: '{"access_token":{"capolids":{"essential":true,"values":["00000000-0000-0000-0000-00000000b10c"]}}}',
    refreshSwitch: true,
    message: () => 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
  },
  'managed-device-required': {
    error: 'interaction_required',
    code: 530033,
    suberror: 'message_only',
    refreshSwitch: true,
    message: () =>
      'Access has been blocked by Conditional Access policies. The access policy requires a managed or compliant device, which a sign-in through the device code flow cannot prove.',
  },
  'consent-required': {
    error: 'invalid_grant',
    code: 65001,
    suberror: 'consent_required',
    refreshSwitch: true,
    message: (d) =>
      `The user or administrator has not consented to use the application with ID '${d.clientId ?? ''}' named '${d.appName ?? ''}'. Send an interactive authorization request for this user and resource.`,
  },
  'app-disabled': {
    error: 'unauthorized_client',
    code: 7000112,
    refreshSwitch: true,
    message: (d) => `Application '${d.clientId ?? ''}'(${d.appName ?? ''}) is disabled.`,
  },
  'account-disabled': {
    error: 'invalid_grant',
    code: 50057,
    refreshSwitch: true,
    message: () => 'User account is disabled. The account has been disabled by an administrator.',
  },
  'account-locked': {
    error: 'invalid_grant',
    code: 50053,
    refreshSwitch: true,
    message: () => "You've tried to sign in too many times with an incorrect user ID or password.",
  },
  'account-not-found': {
    error: 'invalid_grant',
    code: 50034,
    refreshSwitch: true,
    message: (d) =>
      `The user account {EUII Hidden} does not exist in the ${d.tenantId ?? ''} directory. To sign into this application, the account must be added to the directory.`,
  },
  'resource-not-found': {
    error: 'invalid_resource',
    code: 500011,
    refreshSwitch: true,
    message: (d) =>
      `The resource principal named ${d.resource ?? ''} was not found in the tenant named ${d.tenantName ?? ''}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  },
  // Entra's side is sick (HTTP 503). Entra's 429 carries no JSON at all ("Too Many Requests"), see faults.ts.
  'temporarily-unavailable': {
    error: 'temporarily_unavailable',
    code: 50033,
    message: () => 'A transient error has occurred. Please try again.',
  },
  'malformed-refresh-token': {
    error: 'invalid_grant',
    code: 9002313,
    message: () => 'Invalid request. Request is malformed or invalid.',
  },
  'unknown-tenant': {
    error: 'invalid_tenant',
    code: 90002,
    refreshSwitch: true,
    message: (d) =>
      `Tenant '${d.tenant ?? ''}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  },
  'unknown-client': {
    error: 'unauthorized_client',
    code: 700016,
    refreshSwitch: true,
    message: (d) =>
      `Application with identifier '${d.clientId ?? ''}' was not found in the directory '${d.tenant ?? ''}'. This can happen if the application has not been installed by the administrator of the tenant.`,
  },
  'client-mismatch': {
    error: 'invalid_grant',
    code: 70000,
    message: () => 'The provided grant was issued to another client.',
  },
  'missing-parameter': {
    error: 'invalid_request',
    code: 900144,
    message: (d) => `The request body must contain the following parameter: '${d.parameter ?? ''}'.`,
  },
  // The client-credentials grant (app-only tokens, e.g. the bot's own token for the Bot Connector).
  'missing-client-credential': {
    error: 'invalid_client',
    code: 7000218,
    message: () => "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  },
  'invalid-client-secret': {
    error: 'invalid_client',
    code: 7000215,
    message: (d) =>
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${d.clientId ?? ''}'.`,
  },
  'invalid-app-scope': {
    error: 'invalid_scope',
    code: 1002012,
    message: (d) =>
      `The provided value for scope ${d.scope ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  },
  // An app-only token needs a tenant to be issued in; common/organizations name none.
  'no-tenant-for-app': {
    error: 'invalid_request',
    code: 50059,
    message: () => 'No tenant-identifying information found in either the request or implied by any provided credentials.',
  },
  'unsupported-grant-type': {
    error: 'unsupported_grant_type',
    code: 70003,
    message: (d) => `The app requested an unsupported grant type '${d.grantType ?? ''}'.`,
  },
} satisfies Record<string, EntraErrorDefinition>;

export type EntraErrorKind = keyof typeof DEFINITIONS;

/** The AADSTS codes the refresh-failure switch answers with, and which answer each one is. Derived from the table. */
export const REFRESH_FAILURE_KINDS: ReadonlyMap<number, EntraErrorKind> = (() => {
  const kinds = new Map<number, EntraErrorKind>();
  for (const [kind, definition] of Object.entries(DEFINITIONS) as [EntraErrorKind, EntraErrorDefinition][]) {
    if (!definition.refreshSwitch) continue;
    if (kinds.has(definition.code)) throw new Error(`two refresh switches answer AADSTS${definition.code}`);
    kinds.set(definition.code, kind);
  }
  return kinds;
})();

export function entraErrorCodeOf(kind: EntraErrorKind): number {
  return (DEFINITIONS[kind] as EntraErrorDefinition).code;
}

export interface EntraErrorContext {
  now: Date;
  correlationId?: string;
  baseUrl: string;
  detail?: Record<string, string>;
}

/** Builds an error body shaped like Entra's, including the CRLF-separated trace/correlation/timestamp tail of the description. */
export function entraErrorBody(kind: EntraErrorKind, context: EntraErrorContext): EntraErrorBody {
  const definition: EntraErrorDefinition = DEFINITIONS[kind];
  const traceId = randomUUID();
  const correlationId = context.correlationId ?? randomUUID();
  const timestamp = entraTimestamp(context.now);
  const body: EntraErrorBody = {
    error: definition.error,
    error_description:
      `AADSTS${definition.code}: ${definition.message(context.detail ?? {})}` +
      `\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [definition.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${context.baseUrl}/error?code=${definition.code}`,
  };
  if (definition.suberror) body.suberror = definition.suberror;
  if (definition.claims) body.claims = definition.claims;
  return body;
}

/** Entra writes timestamps as `2024-05-01 10:00:00Z`. */
export function entraTimestamp(now: Date): string {
  return now.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** The AADSTS code's one-line meaning, for the `error_uri` page. */
export function describeAadstsCode(code: number): string | undefined {
  const definition = Object.values(DEFINITIONS).find((candidate) => candidate.code === code) as
    | EntraErrorDefinition
    | undefined;
  return definition ? definition.message({}) : undefined;
}
