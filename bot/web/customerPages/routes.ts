import type { Request, Response } from 'restify';
import { VERBS } from '../../../cards/verbs';
import type { Clock } from '../../../src/clock';
import { looksLikeLinkToken } from '../../../src/usecases/linkToken';
import type { Logger } from '../../../src/log';
import type { CustomerActionResult, CustomerVerb } from '../../../src/usecases/signIn/customerAction';
import type { CustomerView } from '../../../src/usecases/signIn/resolveLink';
import type { SignIn } from '../../../src/usecases/signIn/signIn';
import { CustomerScreen, customerScreen, CustomerViewSettings, reviewerScreen } from '../../presentation/customerView';
import type { Route } from '../server';
import { plainText } from '../../../src/domain/plainText';
import { PlainPage, renderPageShell, renderPlainPage, securityHeaders } from './pageShell';
import { staticRoutes } from './staticRoutes';

export interface InvitePageDeps {
  readonly signIn: SignIn;
  readonly settings: CustomerViewSettings;
  readonly clock: Clock;
  readonly logger: Logger;
}

const GONE_PAGE = {
  title: 'This link does not work',
  text: 'This invitation link does not work (any more). If you already finished signing in with it, there is nothing more to do. Otherwise it may have expired, been replaced by a newer link, or been withdrawn: ask your provider to send a new invitation.',
};

function send(res: Response, status: number, contentType: string, body: string): void {
  res.writeHead(status, { ...securityHeaders(), 'Content-Type': contentType });
  res.end(body);
}
const sendJson = (res: Response, status: number, body: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
const sendScreen = (res: Response, screen: CustomerScreen) => sendJson(res, 200, { card: screen.card.content, pollAfterMs: screen.pollAfterMs, countdownTo: screen.countdownTo });
const sendGone = (res: Response) => sendJson(res, 404, { gone: true });
const sendPlain = (res: Response, status: number, page: PlainPage) => send(res, status, 'text/html; charset=utf-8', renderPlainPage(page));

/** Reads a small JSON body; anything else is an empty object (the verb check then refuses it). */
async function readJson(req: Request, limit = 16_384): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as unknown as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return {};
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The page's buttons, as the customer-action use case names them. */
const PAGE_VERBS: ReadonlyMap<string, CustomerVerb> = new Map([
  [VERBS.startSignIn, 'start'],
  [VERBS.refreshFlow, 'refresh'],
  [VERBS.portalApproved, 'portal-approved'],
]);
const verbOf = (body: Record<string, unknown>) => (typeof body.verb === 'string' ? body.verb : '');

/**
 * The customer-facing pages: the invitation page (the link is the credential), the consent
 * reviewer's page, and Entra's admin consent redirect. Unknown, expired, revoked and replaced links
 * all get the same plain answer, which says nothing about what exists.
 */
export function invitePageRoutes(deps: InvitePageDeps): Route[] {
  const { signIn, settings, clock } = deps;
  // Plain pages carry the same provider header as the live ones, so a reviewer sees who is asking.
  const plain = (page: Omit<PlainPage, 'providerName'>): PlainPage => ({ ...page, providerName: settings.providerName });
  const tokenOf = (req: Request) => String(req.params?.token ?? '');
  // A malformed token is never looked up: it gets the same answer as an unknown one.
  const lookup = async (token: string, find: (t: string) => Promise<CustomerView>): Promise<CustomerView> => (looksLikeLinkToken(token) ? find(token) : { ok: false, reason: 'gone' });
  const sendShell = (res: Response, basePath: string, title: string) =>
    send(res, 200, 'text/html; charset=utf-8', renderPageShell({ title, stateUrl: `${basePath}/state`, actionsUrl: `${basePath}/actions`, providerName: settings.providerName }));
  // The page is the link holder's own view: anything else the use case answers means the link is done.
  const sendResult = (res: Response, result: CustomerActionResult) =>
    result.ok && result.show === 'admin'
      ? sendScreen(res, customerScreen(result.invitation, { userCode: result.userCode, reviewLink: result.reviewLink }, settings, clock.now()))
      : sendGone(res);

  return [
    ...staticRoutes(),
    {
      method: 'get',
      path: '/invite/:token',
      handler: async (req, res) => {
        const token = tokenOf(req);
        const view = await lookup(token, (t) => signIn.links.open(t));
        if (!view.ok || view.invitation.status === 'activated') return sendPlain(res, 404, plain(GONE_PAGE));
        sendShell(res, `/invite/${token}`, `${settings.providerName} asks for access to ${view.invitation.tenantName}`);
      },
    },
    {
      method: 'get',
      path: '/invite/:token/state',
      handler: async (req, res) => {
        const token = tokenOf(req);
        return looksLikeLinkToken(token) ? sendResult(res, await signIn.act('refresh', { via: 'link', token })) : sendGone(res);
      },
    },
    {
      method: 'post',
      path: '/invite/:token/actions',
      handler: async (req, res) => {
        const token = tokenOf(req);
        const body = await readJson(req);
        if (!looksLikeLinkToken(token)) return sendGone(res);
        const verb = PAGE_VERBS.get(verbOf(body));
        if (!verb) return sendJson(res, 400, { error: 'That button is not known here. Reload the page.' });
        return sendResult(res, await signIn.act(verb, { via: 'link', token }));
      },
    },
    {
      method: 'get',
      path: '/review/:token',
      handler: async (req, res) => {
        const token = tokenOf(req);
        const view = await lookup(token, (t) => signIn.links.resolveReview(t));
        if (!view.ok) return sendPlain(res, 404, plain(GONE_PAGE));
        sendShell(res, `/review/${token}`, `Admin consent for ${view.invitation.tenantName}`);
      },
    },
    {
      method: 'get',
      path: '/review/:token/state',
      handler: async (req, res) => {
        const token = tokenOf(req);
        const view = await lookup(token, (t) => signIn.links.resolveReview(t));
        return view.ok ? sendScreen(res, reviewerScreen(view.invitation, token, settings)) : sendGone(res);
      },
    },
    {
      method: 'post',
      path: '/review/:token/actions',
      handler: async (req, res) => {
        const token = tokenOf(req);
        const body = await readJson(req);
        const view = await lookup(token, (t) => signIn.links.resolveReview(t));
        if (!view.ok) return sendGone(res);
        const verb = verbOf(body);
        if (verb === VERBS.portalApproved && view.invitation.status === 'consent_pending') {
          const updated = await signIn.consent.confirmPortalApproval(view.invitation);
          return sendScreen(res, reviewerScreen(updated ?? view.invitation, token, settings));
        }
        if (verb === VERBS.refreshFlow || verb === VERBS.portalApproved) return sendScreen(res, reviewerScreen(view.invitation, token, settings));
        return sendJson(res, 400, { error: 'That button is not known here. Reload the page.' });
      },
    },
    {
      method: 'get',
      path: '/consent/callback',
      handler: async (req, res) => {
        const q = (req.query ?? {}) as Record<string, unknown>;
        const text = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
        const state = text('state');
        if (!state || !looksLikeLinkToken(state)) {
          return sendPlain(res, 400, plain({ title: 'This consent answer cannot be used', text: 'The link is incomplete or was already used. Open the reviewer page again and choose Review permissions and consent.' }));
        }
        const granted = text('admin_consent')?.toLowerCase() === 'true';
        const error = text('error');
        if (!granted && !error) return sendPlain(res, 400, plain({ title: 'This consent answer cannot be used', text: 'Microsoft Entra did not say whether consent was granted. Open the reviewer page again.' }));
        const result = await signIn.consent.recordAnswer(state, { granted, error: error?.slice(0, 100), errorDescription: text('error_description')?.slice(0, 500), returnedTenant: text('tenant') });
        if (!result.ok) {
          return sendPlain(res, 404, plain({ title: 'This consent answer was already recorded', text: 'Nothing more to do here: the request was already answered, withdrawn or replaced. The administrator who asked can follow up from their invitation page.' }));
        }
        // The tenant's name came from outside (Graph); the plain page escapes it, plainText drops what would make it lie.
        const tenantName = plainText(result.invitation.tenantName);
        return granted
          ? sendPlain(res, 200, plain({ title: 'Consent recorded — thank you', text: `${settings.appName} may now act for ${tenantName}. The administrator who asked can go back to their invitation page and sign in once more to finish; you have nothing more to do. To review or revoke this access later, open the Microsoft Entra admin center: Enterprise applications → ${settings.appName} → Permissions. You can close this page.` }))
          : sendPlain(res, 200, plain({ title: 'Your decision was recorded', text: `You declined the request, so ${settings.providerName} gets no access to ${tenantName}. The administrator who asked sees it on their invitation page, and ${settings.providerName} has been told. If that was a mistake, approve ${settings.appName} in the Microsoft Entra admin center (Enterprise applications → Admin consent requests) and tell the administrator who asked. You can close this page.` }));
      },
    },
  ];
}
