import { renderInvitation, renderMessage } from '../../cards';
import { parseEmail, parseTenantRef, Parsed, TenantRef } from '../../src/domain/inputs';
import type { InvitationVariant } from '../../src/domain/invitation';
import { inviteAdmin } from '../../src/onboarding/inviteAdmin';
import { invitationCard } from '../views';
import { command } from './commandSpec';

interface InviteArgs {
  tenant: TenantRef;
  email: string;
  variant: InvitationVariant;
}

function parse(args: readonly string[]): Parsed<InviteArgs> {
  if (args.length < 2) return { ok: false, message: 'Say which tenant and which admin to invite.' };
  if (args.length > 3) return { ok: false, message: `Too many words: expected a tenant, an email and optionally global or delegated.` };
  const tenant = parseTenantRef(args[0]);
  if (!tenant.ok) return tenant;
  const email = parseEmail(args[1]);
  if (!email.ok) return email;
  const variant = (args[2] ?? 'global').toLowerCase();
  if (variant !== 'global' && variant !== 'delegated') {
    return { ok: false, message: `"${args[2].slice(0, 30)}" is not a variant: use global (a Global admin signs in) or delegated (a service account with admin consent).` };
  }
  return { ok: true, value: { tenant: tenant.value, email: email.value, variant } };
}

const USAGE = 'invite <tenant domain or id> <admin email> [global|delegated]';

export const inviteCommand = command<InviteArgs>({
  name: 'invite',
  usage: USAGE,
  description: 'Invite a customer admin to give us delegated access to their tenant.',
  role: 'operator',
  parse,
  async run({ services, actor, requestKey, context }, input) {
    const result = await inviteAdmin(services.onboarding, { ...input, actor, requestKey, notifyConversationId: context.activity.conversation?.id });
    const now = services.clock.now();
    if (result.ok) {
      return renderInvitation(
        invitationCard(result.invitation, now, 'Invitation created', result.tenantCreated ? `New customer tenant ${result.tenant.displayName} added.` : '', result.link),
      );
    }
    switch (result.reason) {
      case 'tenant-not-found':
        return renderMessage({ title: 'No such Microsoft 365 tenant', text: `Microsoft Entra does not know the tenant "${input.tenant.value}". Check the spelling, or use the tenant id (a GUID) from the customer's Entra admin center.`, tone: 'warning', usage: USAGE });
      case 'directory-unavailable':
        return renderMessage({ title: 'Could not check the tenant', text: `Microsoft Entra did not answer when we looked up "${input.tenant.value}". Nothing was created. Try again in a minute, or use the tenant id (a GUID).`, tone: 'warning' });
      case 'already-pending':
        return renderInvitation(invitationCard(result.existing, now, 'Already invited', `${input.email} already has a pending invitation for this tenant. Resend it for a new link, or revoke it first.`));
      case 'duplicate-request':
        return result.existing
          ? renderInvitation(invitationCard(result.existing, now, 'Invitation already created', 'This request was already handled. The link is shown only once: use Resend for a new one.'))
          : renderMessage({ title: 'Invitation already created', text: 'This request was already handled. See **invitations**.', tone: 'default' });
    }
  },
});
