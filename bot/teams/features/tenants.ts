import { quoted } from '../../../src/domain/plainText';
import { renderMessage, renderTenantList, renderTenantStatus } from '../../../cards';
import { parseTenantRef, Parsed, TenantRef } from '../../../src/domain/inputs';
import { type BotServices, command, noArguments } from '../services';
import { tenantRow, tenantStatusCard } from '../../presentation/views';

const STATUS_USAGE = 'status <tenant domain or id>';

export async function tenantListCard(services: BotServices) {
  return renderTenantList({ rows: (await services.tenants.list()).map(tenantRow) });
}

export async function tenantCard(services: BotServices, ref: TenantRef) {
  const result = await services.tenants.status(ref);
  if (!result.ok) {
    return renderMessage({ title: 'Unknown tenant', text: `No customer tenant "${quoted(ref.value)}" yet. **tenants** lists them; **invite** adds one.`, tone: 'warning', usage: STATUS_USAGE });
  }
  return renderTenantStatus(tenantStatusCard(result.tenant, result.onboarding, result.invitations, services.clock.now()));
}

export const tenantsCommand = command<void>({
  name: 'tenants',
  usage: 'tenants',
  description: 'List customer tenants with auth mode, auth status, last validation and token dates.',
  role: 'viewer',
  parse: noArguments,
  run: ({ services }) => tenantListCard(services),
});

export function parseOne(args: readonly string[]): Parsed<TenantRef> {
  if (args.length !== 1) return { ok: false, message: args.length === 0 ? 'Say which tenant.' : 'Give exactly one tenant (a domain or a tenant id).' };
  return parseTenantRef(args[0]);
}

export const statusCommand = command<TenantRef>({
  name: 'status',
  usage: STATUS_USAGE,
  description: "Show one customer tenant: auth status, token and invitations.",
  role: 'viewer',
  parse: parseOne,
  run: ({ services }, ref) => tenantCard(services, ref),
});
