import type { SimulatedTenant } from './directory';
import { escapeHtml } from '../../domain/escapeHtml';
import { renderPage } from './pageLayout';

export interface AdminConsentView {
  tenant: SimulatedTenant;
  clientId: string;
  appDisplayName: string;
  scope: string;
  permissions: readonly string[];
  redirectUri: string;
  state?: string;
}

/** Entra's "Permissions requested / Accept for your organization" page, reduced to what a reviewer decides on. */
export function renderAdminConsent(view: AdminConsentView): string {
  const hidden = (name: string, value: string | undefined): string =>
    value === undefined ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const permissions = view.permissions.map((name) => `<li>${escapeHtml(name)}</li>`).join('\n  ');
  return renderPage(
    'Review permissions and consent',
    `<h1>Review permissions and consent</h1>
<p><strong id="consent-app">${escapeHtml(view.appDisplayName)}</strong> (app id <span id="consent-client-id">${escapeHtml(
      view.clientId,
    )}</span>) asks for these permissions in <strong id="consent-tenant">${escapeHtml(view.tenant.displayName)}</strong> (${escapeHtml(
      view.tenant.domain,
    )}):</p>
<ul id="requested-permissions">
  ${permissions}
</ul>
<p>If you accept, this app gets these permissions for everyone in your organization, and no one else will be asked.</p>
<form method="post" action="/${escapeHtml(view.tenant.tenantId)}/v2.0/adminconsent">
  ${hidden('client_id', view.clientId)}
  ${hidden('scope', view.scope)}
  ${hidden('redirect_uri', view.redirectUri)}
  ${hidden('state', view.state)}
  <div class="buttons">
    <button type="submit" name="decision" value="cancel" id="cancel">Cancel</button>
    <button type="submit" name="decision" value="accept" id="accept" class="primary">Accept</button>
  </div>
</form>`,
  );
}

export function renderProblemPage(title: string, message: string): string {
  return renderPage(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p class="error" role="alert" id="problem">${escapeHtml(message)}</p>`,
  );
}
