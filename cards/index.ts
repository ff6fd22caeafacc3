import * as ACData from 'adaptivecards-templating';
import { presentable } from './plainText';
import helpTemplate from './help.json';
import invitationTemplate from './invitation.json';
import invitationListTemplate from './invitationList.json';
import messageTemplate from './message.json';
import staffListTemplate from './staffList.json';
import tenantListTemplate from './tenantList.json';
import tenantStatusTemplate from './tenantStatus.json';
import customerInvitationTemplate from './customerInvitation.json';
import deviceCodeTemplate from './deviceCode.json';
import flowStatusTemplate from './flowStatus.json';
import consentReviewTemplate from './consentReview.json';
import staffUpdateTemplate from './staffUpdate.json';
import validationResultTemplate from './validationResult.json';
import sweepStatusTemplate from './sweepStatus.json';

/** An Adaptive Card attachment, shaped as Bot Framework expects; plain data so the web page can use it too. */
export interface CardAttachment {
  readonly contentType: 'application/vnd.microsoft.card.adaptive';
  readonly content: Record<string, unknown>;
}

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive' as const;

/** Parsing a template's expressions costs ~2 ms; each template is parsed once, on first use. */
const parsed = new WeakMap<object, ACData.Template>();

/**
 * A card is a pure function of its template and its data, and the same card is asked for again and
 * again (the same tenant's status, the same help): the last expansions are kept, keyed by the data
 * itself, so a repeat costs one JSON.stringify of the data instead of the template engine. Nothing
 * read from a store is kept here; what changes changes the key. The kept cards are frozen, so one
 * handed out twice cannot be changed under another caller (forTeams changes a copy).
 */
const EXPANSIONS_KEPT = 256;
const expanded = new Map<string, Readonly<Record<string, unknown>>>();

/** Freezes a value and everything in it: a kept card cannot be changed by any of the callers it is handed to. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function expand(template: object, data: object): CardAttachment {
  let compiled = parsed.get(template);
  if (!compiled) {
    compiled = new ACData.Template(template);
    parsed.set(template, compiled);
  }
  const key = `${templateId(template)}|${JSON.stringify(data)}`;
  let content = expanded.get(key);
  if (content === undefined) {
    content = deepFreeze(presentable(compiled.expand({ $root: data })) as Record<string, unknown>);
    if (expanded.size >= EXPANSIONS_KEPT) expanded.delete(expanded.keys().next().value!);
    expanded.set(key, content);
  }
  return { contentType: ADAPTIVE_CARD, content: content as Record<string, unknown> };
}

const templateIds = new WeakMap<object, number>();
let templatesSeen = 0;
const templateId = (template: object): number => {
  let id = templateIds.get(template);
  if (id === undefined) templateIds.set(template, (id = ++templatesSeen));
  return id;
};

/** A card's colour for its headline or accent. */
export type Tone = 'default' | 'good' | 'warning' | 'attention' | 'accent';

export interface MessageCard {
  title: string;
  text: string;
  tone?: Tone;
  usage?: string;
  correlationId?: string;
}

export const renderMessage = (d: MessageCard) =>
  expand(messageTemplate, { usage: '', correlationId: '', ...d, color: d.tone ?? 'default' });

export interface HelpCard {
  intro: string;
  role: string;
  commands: { usage: string; description: string }[];
}
export const renderHelp = (d: HelpCard) => expand(helpTemplate, d);

export interface InvitationCard {
  title: string;
  subtitle: string;
  id: string;
  tenant: string;
  email: string;
  variant: string;
  status: string;
  createdAt: string;
  expiresAt: string;
  sentCount: number;
  /** Only on the card that creates or resends it: the link is never stored. */
  link: string;
  canChange: boolean;
  /** Offer "Post for the admin here": only in a channel or group chat, where the admin can be. */
  canPostHere: boolean;
  /** The question before a revoke: only "Yes, revoke" and "Keep it". */
  confirming: boolean;
}
export const renderInvitation = (d: InvitationCard) => expand(invitationTemplate, d);

export interface InvitationRowView {
  id: string;
  email: string;
  tenant: string;
  variant: string;
  status: string;
  createdAt: string;
  expiresAt: string;
  sentCount: number;
}
export interface InvitationListCard {
  filter: 'pending' | 'all';
  emptyText: string;
  rows: InvitationRowView[];
}
export const renderInvitationList = (d: InvitationListCard) => expand(invitationListTemplate, d);

export interface TenantRowView {
  tenantId: string;
  name: string;
  authMode: string;
  authStatus: string;
  /** How far onboarding got: "Invited", "Failed: … (when)", "Completed (when)". */
  onboarding: string;
  lastValidation: string;
  tokenCreated: string;
  tokenExpires: string;
}
export const renderTenantList = (d: { rows: TenantRowView[] }) => expand(tenantListTemplate, d);

export interface TenantStatusCard extends TenantRowView {
  tokenAccount: string;
  tokenRefreshed: string;
  scopes: string;
  /** The verified domains, comma-separated ("—" until a token reaches the tenant). */
  domains: string;
  invitations: { id: string; email: string; variant: string; status: string; expiresAt: string }[];
  /** Token authentication: the Validate button and the history are shown. */
  canValidate?: boolean;
  /** The last validations, newest first. */
  validations?: { when: string; outcome: string; summary: string; duration: string; by: string }[];
  /** What the last validation did with the other accounts of the cache ("" when there were none). */
  otherAccounts?: string;
}
export const renderTenantStatus = (d: TenantStatusCard) => expand(tenantStatusTemplate, { canValidate: false, validations: [], otherAccounts: '', ...d });

export interface ValidationResultCard {
  /** "Last Authentication Status: Successful", "Validation incomplete", "Validating…" */
  headline: string;
  color: Tone;
  tenantName: string;
  tenantId: string;
  summary: string;
  /** "Validating…": the card is replaced with the result. */
  pending: boolean;
  when: string;
  duration: string;
  account: string;
  by: string;
  checks: { name: string; result: string; color: Tone; duration: string; detail: string; explanation: string }[];
  otherAccounts: { text: string }[];
  cause: string;
  nextStep: string;
  reference: string;
  consentLink: string;
  canReinvite: boolean;
  canValidateAgain: boolean;
}
export const renderValidationResult = (d: ValidationResultCard) => expand(validationResultTemplate, d);

export interface StaffListCard {
  /** `who`: the person's name and UPN as Teams showed them, ending in " · " (empty when unknown). */
  members: { id: string; role: string; note: string; who?: string }[];
  /** Under the list: what the configuration entries are (empty: nothing shown). */
  configurationNote?: string;
}
export const renderStaffList = (d: StaffListCard) =>
  expand(staffListTemplate, { configurationNote: '', ...d, members: d.members.map((m) => ({ who: '', ...m })) });

export interface CustomerInvitationCard {
  providerName: string;
  tenantName: string;
  email: string;
  expiresAt: string;
  purpose: string;
  appName: string;
  permissions: string;
  signInAs: string;
  howItWorks: string;
  startTitle: string;
  note: string;
  noteColor: 'default' | 'good' | 'warning' | 'attention';
}
export const renderCustomerInvitation = (d: CustomerInvitationCard) => expand(customerInvitationTemplate, d);

export interface DeviceCodeCard {
  tenantName: string;
  providerName: string;
  appName: string;
  userCode: string;
  verificationUri: string;
  codeExpiresAt: string;
  signInAs: string;
}
export const renderDeviceCode = (d: DeviceCodeCard) => expand(deviceCodeTemplate, d);

export interface FlowStatusCard {
  tenantName: string;
  title: string;
  text: string;
  color: Tone;
  cause: string;
  nextStep: string;
  reviewLink: string;
  reference: string;
  actionTitle: string;
  actionVerb: string;
  /** positive for the step the person should take; default for a secondary way out. */
  actionStyle?: 'positive' | 'default';
  /** A second button, when the place the card is shown offers one (Teams: post the review card). */
  secondaryActionTitle?: string;
  secondaryActionVerb?: string;
  /** A short list under its heading (what was granted), one line each. */
  listTitle?: string;
  list?: string[];
  /** A paragraph after the list (where to review it). */
  details?: string;
  /** A link button to a page elsewhere (the Microsoft Entra admin center). */
  linkTitle?: string;
  linkUrl?: string;
}
export const renderFlowStatus = (d: FlowStatusCard) =>
  expand(flowStatusTemplate, { actionStyle: 'positive', secondaryActionTitle: '', secondaryActionVerb: '', listTitle: '', list: [], details: '', linkTitle: '', linkUrl: '', ...d });

export interface ConsentReviewCard {
  tenantName: string;
  providerName: string;
  appName: string;
  clientId: string;
  requester: string;
  signedInAs: string;
  permissions: string;
  requestedAt: string;
  status: string;
  consentUrl: string;
  pending: boolean;
  /** The heading and what to do, by the state of the request (requested, approved, declined, …). */
  title?: string;
  explanation?: string;
  /** A link button to a page elsewhere (the Microsoft Entra admin center), once access is in place. */
  linkTitle?: string;
  linkUrl?: string;
}
export const renderConsentReview = (d: ConsentReviewCard) =>
  expand(consentReviewTemplate, { title: `Admin consent requested for ${d.tenantName}`, explanation: '', linkTitle: '', linkUrl: '', ...d });

export interface StaffUpdateCard {
  tenantName: string;
  tenantId: string;
  title: string;
  text: string;
  color: Tone;
  invitationId: string;
  email: string;
  status: string;
  at: string;
  reviewLink: string;
  /** What staff can do next (a failed sign-in). */
  advice?: string;
  /** What the customer's page told them, quoted for staff. */
  customerSaw?: string;
  /** The ids the words name: error code, trace and correlation ids, or our reference. */
  ids?: { title: string; value: string }[];
  canResend: boolean;
  sentCount: number;
  /** The activation notice offers Validate (its result comes as a new card; the notice stays). */
  canValidate?: boolean;
}
export const renderStaffUpdate = (d: StaffUpdateCard) => expand(staffUpdateTemplate, { advice: '', customerSaw: '', ids: [], canValidate: false, ...d });

export interface SweepStatusCard {
  title: string;
  text: string;
  tone?: Tone;
  /** The running sweep, the last one, the schedule: a heading and its facts each. */
  sections: { heading: string; facts: { name: string; value: string }[] }[];
  footer: string;
}
export const renderSweepStatus = (d: SweepStatusCard) => expand(sweepStatusTemplate, { ...d, color: d.tone ?? 'default' });

/** Every template, for tests that check verbs and bindings. */
export const TEMPLATES: Record<string, object> = {
  help: helpTemplate,
  invitation: invitationTemplate,
  invitationList: invitationListTemplate,
  message: messageTemplate,
  staffList: staffListTemplate,
  tenantList: tenantListTemplate,
  tenantStatus: tenantStatusTemplate,
  customerInvitation: customerInvitationTemplate,
  deviceCode: deviceCodeTemplate,
  flowStatus: flowStatusTemplate,
  consentReview: consentReviewTemplate,
  staffUpdate: staffUpdateTemplate,
  validationResult: validationResultTemplate,
  sweepStatus: sweepStatusTemplate,
};
