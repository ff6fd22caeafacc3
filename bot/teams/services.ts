import type { TurnContext } from 'botbuilder';
import type { CardAttachment } from '../../cards';
import type { Clock } from '../../src/clock';
import type { Invitation } from '../../src/domain/invitation';
import type { Parsed, TenantRef } from '../../src/domain/inputs';
import type { Actor, Role, StaffProfile } from '../../src/domain/staff';
import type { CustomerTenant } from '../../src/domain/tenant';
import type { Logger } from '../../src/log';
import type { Random } from '../../src/random';
import type { Audit } from '../../src/usecases/ports';
import type { ChangeInput, ResendResult, RevokeResult } from '../../src/usecases/invitations/changeInvitation';
import type { InviteInput, InviteResult } from '../../src/usecases/invitations/inviteAdmin';
import type { InvitationFilter, InvitationRow } from '../../src/usecases/invitations/listInvitations';
import type { CustomerAction } from '../../src/usecases/signIn/customerAction';
import type { Authorization } from '../../src/usecases/staff/authorizeStaff';
import type { AddStaffResult, RemoveStaffResult, StaffListEntry } from '../../src/usecases/staff/manageStaff';
import type { TenantStatusResult } from '../../src/usecases/tenants/getTenantStatus';
import type { TenantOverview } from '../../src/usecases/tenants/listTenants';
import type { ValidateInput, ValidateResult } from '../../src/usecases/tenants/validateTenant';
import type { RequestSweepResult } from '../../src/usecases/sweeps/requestSweep';
import type { SweepStatus } from '../../src/usecases/sweeps/sweepStatus';
import type { CardUpdates } from './notifier';
import type { CustomerViewSettings } from '../presentation/customerView';

/**
 * The contract of a Teams handler. What it may do: use cases, bound to their dependencies by the
 * composition root, and the settings the words need; no store is reachable from here. Below, the
 * shape of a chat command.
 */
export interface BotServices {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly random: Random;
  readonly providerName: string;
  readonly invitations: {
    invite(input: InviteInput): Promise<InviteResult>;
    list(filter: InvitationFilter): Promise<InvitationRow[]>;
    find(invitationId: string): Promise<Invitation | undefined>;
    resend(input: ChangeInput): Promise<ResendResult>;
    revoke(input: ChangeInput): Promise<RevokeResult>;
    /** The customer's card was posted in this place: its members may follow the invitation. */
    notePostedIn(inv: Invitation, place: string): Promise<void>;
  };
  readonly tenants: {
    list(): Promise<TenantOverview[]>;
    status(ref: TenantRef): Promise<TenantStatusResult>;
    /** Validate Authentication: refresh the saved sign-in and check what it reaches (operators). */
    validate(input: ValidateInput): Promise<ValidateResult>;
  };
  readonly staff: {
    authorize(actor: Actor, needed: Role): Promise<Authorization>;
    list(): Promise<StaffListEntry[]>;
    add(actor: Actor, id: string, role: Role, requestKey: string, profile?: StaffProfile): Promise<AddStaffResult>;
    remove(actor: Actor, id: string, requestKey: string): Promise<RemoveStaffResult>;
  };
  readonly sweeps: {
    /** `sweep`: the running and the last sweep, the next run. */
    status(): Promise<SweepStatus>;
    /** `validate all`: a sweep now (operators). */
    start(input: { actor: Actor; requestKey: string }): Promise<RequestSweepResult>;
    /** How often the runner looks for work (RUNNER_LEASE_RENEW_MS): how soon another instance starts a requested sweep. */
    readonly runnerTickMs: number;
  };
  /** The customer admin's buttons on a card posted in Teams: the same rules as the invitation page. */
  readonly customerAction: CustomerAction;
  readonly audit: Audit;
  /** Replaces a card the bot sent earlier: work that outlives its turn (a long validation) reports there. */
  readonly cardUpdates: CardUpdates;
  /** What customer-facing cards say about the provider and the app. */
  readonly customerView: CustomerViewSettings;
  /** How long a message turn and a card action may take in all. */
  readonly budgets: { readonly turnMs: number; readonly invokeMs: number };
}

export interface CommandTurn {
  readonly services: BotServices;
  readonly actor: Actor;
  readonly role: Role;
  readonly requestKey: string;
  readonly context: TurnContext;
}

/** One chat command: its words, who may run it, how its arguments parse, and what it does. */
export interface CommandSpec<I = unknown> {
  readonly name: string;
  readonly usage: string;
  readonly description: string;
  readonly role: Role;
  parse(args: readonly string[]): Parsed<I>;
  run(turn: CommandTurn, input: I): Promise<CardAttachment>;
}

/** Erases the input type so specs of different inputs fit in one table. */
export const command = <I>(spec: CommandSpec<I>): CommandSpec<unknown> => spec as CommandSpec<unknown>;

export function noArguments(args: readonly string[]): Parsed<void> {
  return args.length === 0 ? { ok: true, value: undefined } : { ok: false, message: `This command takes no arguments (got "${args.join(' ').slice(0, 40)}").` };
}
