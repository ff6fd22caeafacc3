import { TeamsInfo, type TeamsChannelAccount, type TurnContext } from 'botbuilder';
import { type CardAttachment, renderMessage, renderStaffList } from '../../../cards';
import { LOCAL_PLAYGROUND } from '../../../src/config';
import { cappedByDeadline, DeadlineExceeded, isOutOfTime } from '../../../src/deadline';
import { clip, parseEmail, parseGuid, Parsed } from '../../../src/domain/inputs';
import { type Actor, type Role, ROLES, type StaffProfile } from '../../../src/domain/staff';
import type { StaffListEntry } from '../../../src/usecases/staff/manageStaff';
import { formatUtc } from '../../presentation/views';
import { closestWord } from '../parseCommand';
import { type BotServices, command } from '../services';
import { isPersonalChat } from '../turnActor';

/** A person as typed: their Entra object id, or an address (UPN or email) to find among the conversation's members. */
type Person = { kind: 'id'; id: string } | { kind: 'address'; address: string };

type StaffArgs = { kind: 'list' } | { kind: 'add'; who: Person; role: Role } | { kind: 'remove'; who: Person };

const USAGE = 'staff | staff add <email or object id> <viewer|operator|admin> | staff remove <email or object id>';
const ACTIONS = ['add', 'remove'];

function parsePerson(text: string): Parsed<Person> {
  // Pasted from a list: "meganb@provider.example," or "…;".
  const t = text.replace(/[,;]+$/, '');
  if (t.includes('@')) {
    const email = parseEmail(t);
    return email.ok ? { ok: true, value: { kind: 'address', address: email.value.toLowerCase() } } : email;
  }
  const id = parseGuid(t, "an Entra object id or an email (the object id is on the user's page in the Entra admin center)");
  return id.ok ? { ok: true, value: { kind: 'id', id: id.value } } : id;
}

function parse(args: readonly string[]): Parsed<StaffArgs> {
  if (args.length === 0) return { ok: true, value: { kind: 'list' } };
  const sub = args[0].toLowerCase();
  if (sub === 'add') {
    if (args.length !== 3) return { ok: false, message: 'staff add needs an Entra object id and a role. An email or UPN works instead of the id in a channel or group chat the person is in.' };
    const who = parsePerson(args[1]);
    if (!who.ok) return who;
    const role = args[2].toLowerCase();
    if (!(ROLES as readonly string[]).includes(role)) {
      const near = closestWord(role, ROLES);
      return { ok: false, message: `"${clip(args[2], 20)}" is not a role: ${near ? `did you mean ${near}? ` : ''}use viewer (read), operator (invite, resend, revoke) or admin (also staff).` };
    }
    return { ok: true, value: { kind: 'add', who: who.value, role: role as Role } };
  }
  if (sub === 'remove') {
    if (args.length !== 2) return { ok: false, message: 'staff remove needs one Entra object id. The email or UPN of someone **staff** lists works too.' };
    const who = parsePerson(args[1]);
    return who.ok ? { ok: true, value: { kind: 'remove', who: who.value } } : who;
  }
  const near = closestWord(sub, ACTIONS);
  return { ok: false, message: `"${clip(args[0], 20)}" is not a staff action: ${near ? `did you mean ${near}? Otherwise ` : ''}use add or remove, or nothing to list.` };
}

// --- The Teams roster ----------------------------------------------------------------------------

/** The roster calls' own limit, inside the turn's: Teams answers in well under a second when it is well. */
const ROSTER_MS = 5_000;
/** Left of the turn's work budget for rendering the answer once the roster gave up. */
const ANSWER_MS = 100;
/** A team can be large: this many pages of 500 members at most. */
const MAX_PAGES = 10;

type RosterLookup =
  | { ok: true; id: string; profile: StaffProfile }
  | { ok: false; reason: 'personal-chat' | 'not-found' | 'unavailable' | 'out-of-time' };

const lower = (s: string | undefined) => (typeof s === 'string' ? s.toLowerCase() : undefined);

const profileOf = (m: TeamsChannelAccount): StaffProfile => ({
  ...(m.name ? { displayName: m.name } : {}),
  ...(m.userPrincipalName ? { upn: m.userPrincipalName } : {}),
  ...(m.tenantId ? { tenantId: m.tenantId } : {}),
});

/** Runs a roster call within what is left of the turn (and ROSTER_MS), settling by then whatever Teams does. */
async function withinTurn<T>(work: () => Promise<T>): Promise<T> {
  const ms = Math.max(1, cappedByDeadline(ROSTER_MS) - ANSWER_MS);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(ms, 'the Teams roster lookup')), ms);
  });
  try {
    return await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Finds a person by UPN or email among the members of this conversation. Teams looks a member up
 * by UPN directly (`GET /v3/conversations/{id}/members/{upn}`); an email that is not the UPN is
 * matched by reading the roster page by page. In a 1:1 chat the roster is the two of us, so the
 * lookup is not tried there.
 */
async function findByAddress(context: TurnContext, address: string): Promise<RosterLookup> {
  if (isPersonalChat(context)) return { ok: false, reason: 'personal-chat' };
  const matches = (m: TeamsChannelAccount | undefined) => Boolean(m?.aadObjectId) && (lower(m?.userPrincipalName) === address || lower(m?.email) === address);
  const found = (m: TeamsChannelAccount): RosterLookup => ({ ok: true, id: (m.aadObjectId ?? '').toLowerCase(), profile: profileOf(m) });
  try {
    return await withinTurn(async () => {
      const direct = await TeamsInfo.getMember(context, address).catch((error: unknown) => {
        if (isOutOfTime(error)) throw error;
        return undefined; // 404 (no such member) or an address Teams does not take as a UPN: read the roster
      });
      if (matches(direct)) return found(direct!);
      let continuationToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await TeamsInfo.getPagedMembers(context, 500, continuationToken);
        const hit = (result.members ?? []).find(matches);
        if (hit) return found(hit);
        continuationToken = result.continuationToken;
        if (!continuationToken) break;
      }
      return { ok: false, reason: 'not-found' };
    });
  } catch (error) {
    return { ok: false, reason: isOutOfTime(error) ? 'out-of-time' : 'unavailable' };
  }
}

/** The name and UPN of someone added by object id, when Teams knows them here; nothing otherwise (never an error). */
async function profileById(context: TurnContext, actor: Actor, id: string): Promise<StaffProfile> {
  if (id === actor.aadObjectId) return actor.name ? { displayName: actor.name } : {};
  if (isPersonalChat(context)) return {};
  try {
    const m = await withinTurn(() => TeamsInfo.getMember(context, id));
    return lower(m?.aadObjectId) === id ? profileOf(m) : {};
  } catch {
    return {};
  }
}

function notResolved(reason: Exclude<RosterLookup, { ok: true }>['reason'], typed: string, services: BotServices): CardAttachment {
  const address = clip(typed);
  const useId = "or use their Entra object id (on their user page in the Entra admin center)";
  switch (reason) {
    case 'personal-chat':
      return renderMessage({
        title: 'I can look that up only in a channel or group chat',
        text: `An email or UPN is looked up among the members of the conversation, and in this 1:1 chat that is just the two of us. Run the command with an @mention in a channel or group chat ${address} is a member of, ${useId}.`,
        tone: 'warning',
        usage: USAGE,
      });
    case 'not-found':
      return renderMessage({
        title: `No member ${address} here`,
        text: `Nobody among the members of this conversation has the UPN or email ${address}. Check the address, run the command where they are a member, ${useId}. Nothing changed.`,
        tone: 'warning',
        usage: USAGE,
      });
    case 'unavailable':
      return renderMessage({ title: 'Could not look that up', text: `Teams did not answer when I looked for ${address} among the members of this conversation. Nothing changed. Try again in a minute, ${useId}.`, tone: 'warning' });
    case 'out-of-time':
      return renderMessage({
        title: 'Teams took too long',
        text: `Teams did not answer in time when I looked for ${address} among the members of this conversation (a chat answer has to come within ${Math.round(services.budgets.turnMs / 1000)} seconds). Nothing changed. Try again in a minute, ${useId}.`,
        tone: 'warning',
      });
  }
}

// --- The list ----------------------------------------------------------------------------------------

/** Local mode's two configured admins: Alex Wilber of .m365agentsplayground.yml, and the id the Playground makes up without that file. */
const PLAYGROUND_LABELS: ReadonlyMap<string, string> = new Map([
  [LOCAL_PLAYGROUND.adminObjectIds[0], "local mode's admin (Alex Wilber in .m365agentsplayground.yml)"],
  [LOCAL_PLAYGROUND.adminObjectIds[1], "the Agents Playground's built-in user (an id it makes up)"],
]);

/** "Megan Bowen · MeganB@provider.example · ", or what is known of it; the listing admin is "(you)". */
function whoIs(m: StaffListEntry, actor: Actor): string {
  const you = m.id === actor.aadObjectId;
  const name = m.displayName ?? (you ? actor.name : undefined);
  const parts = [
    name && you ? `${clip(name)} (you)` : name ? clip(name) : you ? 'you' : undefined,
    m.upn && clip(m.upn),
    m.source === 'configuration' ? PLAYGROUND_LABELS.get(m.id) : undefined,
  ].filter((p): p is string => Boolean(p));
  return parts.length > 0 ? `${parts.join(' · ')} · ` : '';
}

function staffListCard(members: readonly StaffListEntry[], actor: Actor): CardAttachment {
  const fromConfiguration = members.filter((m) => m.source === 'configuration');
  const playground = fromConfiguration.some((m) => PLAYGROUND_LABELS.has(m.id));
  return renderStaffList({
    members: members.map((m) => ({
      who: whoIs(m, actor),
      id: m.id,
      role: m.role,
      note: m.source === 'configuration' ? ' (from configuration: BOOTSTRAP_ADMINS)' : ` (since ${formatUtc(m.addedAt)})`,
    })),
    configurationNote:
      fromConfiguration.length === 0
        ? ''
        : `Admins "from configuration" are Entra object ids set in BOOTSTRAP_ADMINS; they are always admins, and only the configuration changes them.${
            playground ? " In local mode that includes the Agents Playground's default user, whose object id the Playground makes up." : ''
          }`,
  });
}

// --- The command ---------------------------------------------------------------------------------------

/** `who` as the answers name them: "Megan Bowen (MeganB@provider.example)", or the object id. */
const labelOf = (id: string, profile: StaffProfile) =>
  profile.displayName ? `${clip(profile.displayName)} (${profile.upn ? clip(profile.upn) : id})` : profile.upn ? `${clip(profile.upn)} (${id})` : id;

export const staffCommand = command<StaffArgs>({
  name: 'staff',
  usage: USAGE,
  // The app manifest carries this description too (appPackage/manifest.json): the usage says how a person is named.
  description: 'List provider staff and their roles, or grant or remove a role.',
  role: 'admin',
  parse,
  async run({ services, actor, requestKey, context }, input) {
    if (input.kind === 'list') return staffListCard(await services.staff.list(), actor);

    if (input.kind === 'add') {
      let id: string;
      let profile: StaffProfile;
      if (input.who.kind === 'address') {
        const found = await findByAddress(context, input.who.address);
        if (!found.ok) return notResolved(found.reason, input.who.address, services);
        ({ id, profile } = found);
      } else {
        id = input.who.id;
        profile = await profileById(context, actor, id);
      }
      const label = labelOf(id, profile);
      const r = await services.staff.add(actor, id, input.role, requestKey, profile);
      if (!r.ok) {
        return r.reason === 'bootstrap-admin'
          ? renderMessage({ title: 'Already an admin', text: `${label} is an admin from configuration (BOOTSTRAP_ADMINS); change it there.`, tone: 'warning' })
          : renderMessage({ title: 'Not one of us', text: `${label} belongs to another organization (tenant ${clip(profile.tenantId ?? '')}); only ${services.providerName} accounts can hold a Tenant Access role. Nothing changed.`, tone: 'warning' });
      }
      // Named as stored: a change by object id keeps the name and UPN the roster gave before.
      const named = labelOf(id, { displayName: r.member.displayName, upn: r.member.upn });
      return renderMessage({ title: 'Staff updated', text: r.previousRole ? `${named}: ${r.previousRole} → ${input.role}.` : `${named} is now ${input.role}.`, tone: 'good' });
    }

    let id: string;
    if (input.who.kind === 'address') {
      const address = input.who.address;
      const listed = (await services.staff.list()).find((m) => lower(m.upn) === address);
      if (listed) id = listed.id;
      else {
        // Added by object id in a 1:1 chat, nobody stored their UPN: the roster may still know them.
        const found = await findByAddress(context, address);
        if (!found.ok) {
          return found.reason === 'personal-chat' || found.reason === 'not-found'
            ? renderMessage({ title: 'Nothing changed', text: `Nobody **staff** lists has the UPN ${clip(address)}${found.reason === 'not-found' ? ', nor does a member of this conversation' : ''}. **staff** shows each person's object id; remove them by it.`, tone: 'warning' })
            : notResolved(found.reason, address, services);
        }
        id = found.id;
      }
    } else id = input.who.id;
    const r = await services.staff.remove(actor, id, requestKey);
    if (r.ok) return renderMessage({ title: 'Staff updated', text: `${id} no longer has a role.`, tone: 'good' });
    const why = {
      'bootstrap-admin': `${id} is an admin from configuration (BOOTSTRAP_ADMINS); remove it there.`,
      self: 'You cannot remove your own role; ask another admin.',
      'not-staff': `${id} has no role. **staff** lists who does.`,
    }[r.reason];
    return renderMessage({ title: 'Nothing changed', text: why, tone: 'warning' });
  },
});
