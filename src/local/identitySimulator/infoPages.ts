import { describeAadstsCode } from './entraErrorBodies';
import type { TenantDirectory } from './directory';
import { escapeHtml } from '../../domain/escapeHtml';
import { renderPage } from './pageLayout';

/** GET / — what a person running local mode can sign in as. */
export function renderHome(directory: TenantDirectory): string {
  const tenants = directory
    .listedTenants()
    .map(
      (tenant) => `<section>
<h2>${escapeHtml(tenant.displayName)}</h2>
<p class="tenant">${escapeHtml(tenant.domain)} · ${escapeHtml(tenant.tenantId)}</p>
<ul>${tenant.users
        .map((user) => `<li>${escapeHtml(user.displayName)} — ${escapeHtml(user.upn)}${user.role ? ` (${escapeHtml(user.role)})` : ''}</li>`)
        .join('')}</ul>
</section>`,
    )
    .join('\n');
  return renderPage(
    'Local identity simulator',
    `<h1>Local identity simulator</h1>
<p>A stand-in for Microsoft Entra ID. To finish a device-code sign-in, open <a href="/devicelogin">/devicelogin</a> and enter the code.</p>
${tenants}`,
  );
}

/** GET /error?code=N — where `error_uri` points. */
export function renderErrorCode(code: string): string {
  const meaning = /^\d+$/.test(code) ? describeAadstsCode(Number(code)) : undefined;
  return renderPage(
    `AADSTS${code}`,
    `<h1>AADSTS${escapeHtml(code)}</h1>
<p id="error-meaning">${escapeHtml(meaning ?? 'The simulator does not produce this code.')}</p>`,
  );
}
