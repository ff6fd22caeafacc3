import type { Actor } from '../../domain/staff';
import type { FlowControl } from '../ports';
import { consentWorkflow, type Consent } from './consent';
import { customerAction, type CustomerAction } from './customerAction';
import { deviceCodeSessions } from './deviceCodeSession';
import { FlowsInFlight } from './flowsInFlight';
import { flowSteps } from './flowSteps';
import { orphanRecovery, type OrphanRecovery } from './orphans';
import { linkResolver, type LinkResolver } from './resolveLink';
import { sealedSecrets } from './sealedSecrets';
import type { SignInDeps } from './signInDeps';

/** The customer's side of invitations, as the edge and the jobs see it. */
export interface SignIn {
  readonly links: LinkResolver;
  readonly consent: Consent;
  /** Every button of the customer's, on the page and in Teams. */
  readonly act: CustomerAction;
  /** A revoke or resend stops this process's poll for the invitation at once. */
  readonly flowControl: FlowControl;
  /** For the orphan sweep (src/jobs). */
  readonly orphans: OrphanRecovery;
  /** Graceful shutdown: this process's polls stop and their flows become interrupted. */
  stop(): Promise<void>;
}

/** Wires the sign-in use cases around one process's set of flows in flight. */
export function createSignIn(deps: SignInDeps, isStaffViewer: (actor: Actor) => Promise<boolean>): SignIn {
  const inFlight = new FlowsInFlight();
  const steps = flowSteps(deps);
  const orphans = orphanRecovery(deps, steps, inFlight);
  const links = linkResolver(deps, steps, orphans);
  const consent = consentWorkflow(deps, steps);
  const sessions = deviceCodeSessions(deps, steps, inFlight, consent);
  const secrets = sealedSecrets(deps.box, deps.publicBaseUrl);
  return {
    links,
    consent,
    act: customerAction({ links, sessions, consent, secrets, isStaffViewer }),
    flowControl: inFlight,
    orphans,
    stop: () => sessions.stop(),
  };
}
