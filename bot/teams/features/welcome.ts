import type { TurnContext } from 'botbuilder';
import { type CardAttachment, renderMessage } from '../../../cards';
import type { Role } from '../../../src/domain/staff';
import { withArticle } from '../../presentation/views';
import type { BotServices } from '../services';
import { actorOf, isPersonalChat } from '../turnActor';

/** Where each role starts. */
const FIRST_STEPS: Record<Role, string> = {
  viewer: 'start with **tenants** to see where access to each customer tenant stands, or **invitations** for the invitations under way.',
  operator: "start with **invite <tenant domain or id> <admin email>** to invite a customer's admin; **tenants** shows where access stands.",
  admin:
    "start with **invite <tenant domain or id> <admin email>** to invite a customer's admin; **tenants** shows where access stands. As an admin, **staff** shows who holds a role and **staff add <email or object id> <role>** gives one.",
};

/**
 * The first card of a new conversation with the bot (it was installed, or a 1:1 chat began). In a
 * 1:1 chat: what the bot does and the first command for the person's role; someone without a role
 * gets their Entra object id and tenant id to give an admin. In a channel or group chat: one short
 * card for everyone, with nobody's details.
 */
export async function welcomeCard(services: BotServices, context: TurnContext): Promise<CardAttachment> {
  const what = `I keep ${services.providerName}'s delegated access to customer Microsoft 365 tenants: staff invite a customer's admin, the admin signs in once, and I keep the token, check it and tell you how each step went.`;
  if (!isPersonalChat(context)) {
    return renderMessage({
      title: 'Tenant Access is here',
      text: `${what} ${services.providerName} staff: @mention me with **help** to see what your role allows. I answer only people who hold a Tenant Access role.`,
    });
  }
  const actor = actorOf(context);
  const auth = await services.staff.authorize(actor, 'viewer');
  if (auth.ok) {
    return renderMessage({
      title: 'Welcome to Tenant Access',
      text: `${what} You are ${withArticle(auth.role)}: ${FIRST_STEPS[auth.role]} Type **help** for every command your role allows.`,
      tone: 'accent',
    });
  }
  const ids = `your Entra object id **${actor.aadObjectId || 'unknown'}** and tenant id **${actor.tenantId || 'unknown'}**`;
  if (auth.reason === 'not-provider-tenant') {
    return renderMessage({
      title: 'Welcome to Tenant Access',
      text: `${what} It serves ${services.providerName} staff only, and your account belongs to another organization. If you are ${services.providerName} staff, sign in to Teams with that account; if a Tenant Access admin asks, give them ${ids}.`,
      tone: 'attention',
    });
  }
  return renderMessage({
    title: 'Welcome to Tenant Access',
    text: `${what} You have no Tenant Access role yet, so I cannot act for you. Give a Tenant Access admin ${ids}: they run **staff add ${actor.aadObjectId || '<your object id>'} viewer** (or operator).`,
    tone: 'attention',
  });
}
