import fc from 'fast-check';
import {
  applyEvent,
  effectiveStatus,
  FINAL_STATUSES,
  HISTORY_LIMIT,
  Invitation,
  INVITATION_TRANSITIONS,
  InvitationEvent,
  InvitationStatus,
  isPending,
  transition,
} from '../../src/domain/invitation';

const STATUSES: readonly InvitationStatus[] = [
  'created',
  'opened',
  'signing_in',
  'consent_pending',
  'consent_granted',
  'token_acquired',
  'activated',
  'expired',
  'revoked',
  'failed',
  'interrupted',
];
const EVENTS = Object.keys(INVITATION_TRANSITIONS) as InvitationEvent[];
const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse('2026-03-01T09:00:00.000Z');

/** The documented life of an invitation (DESIGN.md §4), written out independently of the code. */
const EXPECTED_EDGES: ReadonlyArray<[InvitationStatus, InvitationEvent, InvitationStatus]> = [
  ['created', 'open', 'opened'],
  ['created', 'start_sign_in', 'signing_in'],
  ['opened', 'start_sign_in', 'signing_in'],
  ['consent_granted', 'start_sign_in', 'signing_in'],
  ['interrupted', 'start_sign_in', 'signing_in'],
  ['failed', 'start_sign_in', 'signing_in'],
  ['signing_in', 'require_consent', 'consent_pending'],
  ['consent_pending', 'grant_consent', 'consent_granted'],
  ['consent_pending', 'decline_consent', 'failed'],
  ['signing_in', 'acquire_token', 'token_acquired'],
  ['token_acquired', 'activate', 'activated'],
  ['signing_in', 'fail', 'failed'],
  ['token_acquired', 'fail', 'failed'],
  ['consent_pending', 'fail', 'failed'],
  ['signing_in', 'interrupt', 'interrupted'],
  // token_acquired is live: if activation cannot be recorded, staff can still revoke or resend.
  ...(['created', 'opened', 'signing_in', 'consent_pending', 'consent_granted', 'token_acquired', 'interrupted', 'failed'] as const).flatMap(
    (s): [InvitationStatus, InvitationEvent, InvitationStatus][] => [
      [s, 'expire', 'expired'],
      [s, 'revoke', 'revoked'],
      [s, 'reissue', 'created'],
    ],
  ),
  ['expired', 'reissue', 'created'],
];

const tableEdges = (): [InvitationStatus, InvitationEvent, InvitationStatus][] =>
  EVENTS.flatMap((event) => INVITATION_TRANSITIONS[event].from.map((from): [InvitationStatus, InvitationEvent, InvitationStatus] => [from, event, INVITATION_TRANSITIONS[event].to]));

function reachableFrom(start: InvitationStatus): Set<InvitationStatus> {
  const seen = new Set<InvitationStatus>([start]);
  const queue = [start];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const event of EVENTS) {
      const r = transition(from, event);
      if (r.ok && !seen.has(r.status)) {
        seen.add(r.status);
        queue.push(r.status);
      }
    }
  }
  return seen;
}

function invitation(overrides: Partial<Invitation> = {}): Invitation {
  return {
    id: 'inv-7k2m9q4xzt',
    tenantId: '0f0e0d0c-0b0a-4909-8807-060504030201',
    tenantName: 'contoso.onmicrosoft.com',
    email: 'admin@contoso.com',
    variant: 'global',
    status: 'created',
    tokenHash: 'a'.repeat(64),
    createdAt: new Date(T0).toISOString(),
    expiresAt: new Date(T0 + 7 * DAY).toISOString(),
    sentCount: 1,
    lastSentAt: new Date(T0).toISOString(),
    invitedBy: { aadObjectId: '5b8e2c1a-7d4f-4e3b-9a6c-0f1e2d3c4b5a' },
    history: [{ at: new Date(T0).toISOString(), event: 'create', status: 'created' }],
    ...overrides,
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.values(value as object).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('the invitation transition table', () => {
  it('is exactly the documented set of transitions', () => {
    const key = ([from, event, to]: [InvitationStatus, InvitationEvent, InvitationStatus]) => `${from} --${event}--> ${to}`;
    expect(tableEdges().map(key).sort()).toEqual(EXPECTED_EDGES.map(key).sort());
  });

  it.each(EXPECTED_EDGES.map(([from, event, to]) => [from, event, to]))('%s --%s--> %s', (from, event, to) => {
    expect(transition(from as InvitationStatus, event as InvitationEvent)).toEqual({ ok: true, status: to });
  });

  it('refuses every pair the table does not list, naming the state and the event', () => {
    const listed = new Set(EXPECTED_EDGES.map(([from, event]) => `${from}|${event}`));
    let refused = 0;
    for (const from of STATUSES) {
      for (const event of EVENTS) {
        if (listed.has(`${from}|${event}`)) continue;
        expect(transition(from, event)).toEqual({ ok: false, reason: 'illegal-transition', from, event });
        refused++;
      }
    }
    expect(refused).toBe(STATUSES.length * EVENTS.length - EXPECTED_EDGES.length);
  });

  it('lets the final states do only what the table says: activated and revoked nothing, expired only a reissue', () => {
    const allowed = (s: InvitationStatus) => EVENTS.filter((e) => transition(s, e).ok);
    expect(FINAL_STATUSES).toEqual(['activated', 'expired', 'revoked']);
    expect(allowed('activated')).toEqual([]);
    expect(allowed('revoked')).toEqual([]);
    expect(allowed('expired')).toEqual(['reissue']);
  });

  it('reaches every status from created, and nothing leaves activated or revoked', () => {
    expect([...reachableFrom('created')].sort()).toEqual([...STATUSES].sort());
    expect([...reachableFrom('activated')]).toEqual(['activated']);
    expect([...reachableFrom('revoked')]).toEqual(['revoked']);
  });

  it('counts only final statuses as not pending', () => {
    for (const s of STATUSES) expect(isPending(s)).toBe(!FINAL_STATUSES.includes(s));
  });
});

describe('effectiveStatus', () => {
  const live: InvitationStatus[] = ['created', 'opened', 'signing_in', 'consent_pending', 'consent_granted', 'token_acquired', 'interrupted', 'failed'];

  it('shows a live invitation as expired from its expiry on, and as stored before', () => {
    const expiresAt = new Date(T0 + 7 * DAY).toISOString();
    for (const status of live) {
      expect(effectiveStatus({ status, expiresAt }, new Date(T0 + 7 * DAY - 1))).toBe(status);
      expect(effectiveStatus({ status, expiresAt }, new Date(T0 + 7 * DAY))).toBe('expired');
      expect(effectiveStatus({ status, expiresAt }, new Date(T0 + 30 * DAY))).toBe('expired');
    }
  });

  it('never rewrites a state that is not live, however late it is', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<InvitationStatus>('activated', 'expired', 'revoked'),
        fc.integer({ min: -400 * DAY, max: 400 * DAY }),
        (status, offset) => {
          expect(effectiveStatus({ status, expiresAt: new Date(T0).toISOString() }, new Date(T0 + offset))).toBe(status);
        },
      ),
    );
  });

  it('is expired exactly when a live invitation is at or past its expiry', () => {
    fc.assert(
      fc.property(fc.constantFrom(...live), fc.integer({ min: -400 * DAY, max: 400 * DAY }), (status, offset) => {
        const shown = effectiveStatus({ status, expiresAt: new Date(T0).toISOString() }, new Date(T0 + offset));
        expect(shown).toBe(offset >= 0 ? 'expired' : status);
      }),
    );
  });
});

describe('applyEvent', () => {
  it('records the event in the history and does not touch the input', () => {
    const before = deepFreeze(invitation());
    const at = new Date(T0 + 1000);
    const r = applyEvent(before, 'open', at, { by: 'someone', detail: 'clicked' });
    expect(r).toEqual({
      ok: true,
      invitation: expect.objectContaining({
        status: 'opened',
        history: [before.history[0], { at: at.toISOString(), event: 'open', status: 'opened', by: 'someone', detail: 'clicked' }],
      }),
    });
    expect(before.status).toBe('created');
  });

  it('keeps a failure reason only while failed', () => {
    const signingIn = invitation({ status: 'signing_in' });
    const failed = applyEvent(signingIn, 'fail', new Date(T0), { failureReason: 'AADSTS53003' });
    expect(failed.ok && failed.invitation.failureReason).toBe('AADSTS53003');
    const retried = failed.ok ? applyEvent(failed.invitation, 'start_sign_in', new Date(T0)) : failed;
    expect(retried.ok && retried.invitation.failureReason).toBeUndefined();
  });

  it('treats a live invitation past its expiry as expired: it can be reissued but not revoked or opened', () => {
    const late = new Date(T0 + 8 * DAY);
    expect(applyEvent(invitation(), 'open', late)).toEqual({ ok: false, reason: 'illegal-transition', from: 'expired', event: 'open' });
    expect(applyEvent(invitation(), 'revoke', late)).toEqual({ ok: false, reason: 'illegal-transition', from: 'expired', event: 'revoke' });
    const reissued = applyEvent(invitation(), 'reissue', late);
    expect(reissued.ok && reissued.invitation.status).toBe('created');
  });

  it('lets the sweep record the expiry of a live invitation that is past its expiry', () => {
    // Expiry is enforced in code; persisting it must work exactly when it is due.
    const late = new Date(T0 + 8 * DAY);
    for (const status of ['created', 'opened', 'signing_in', 'consent_pending', 'interrupted', 'failed'] as const) {
      const r = applyEvent(invitation({ status }), 'expire', late);
      expect(r.ok && r.invitation.status).toBe('expired');
    }
    expect(applyEvent(invitation({ status: 'expired' }), 'expire', late).ok).toBe(false);
    expect(applyEvent(invitation({ status: 'revoked' }), 'expire', late).ok).toBe(false);
  });

  it(`keeps only the newest ${HISTORY_LIMIT} history entries`, () => {
    let inv = invitation({ status: 'interrupted' });
    for (let i = 0; i < 2 * HISTORY_LIMIT; i++) {
      for (const event of ['start_sign_in', 'interrupt'] as const) {
        const r = applyEvent(inv, event, new Date(T0 + i * 1000), { detail: `round ${i}` });
        if (!r.ok) throw new Error(`unexpected ${r.reason}`);
        inv = r.invitation;
      }
    }
    expect(inv.history).toHaveLength(HISTORY_LIMIT);
    expect(inv.history[HISTORY_LIMIT - 1]).toMatchObject({ event: 'interrupt', detail: `round ${2 * HISTORY_LIMIT - 1}` });
    expect(inv.history[0]).toMatchObject({ event: 'start_sign_in', detail: `round ${2 * HISTORY_LIMIT - HISTORY_LIMIT / 2}` });
  });

  describe('for any sequence of events at any times', () => {
    const step = fc.record({
      preferLegal: fc.boolean(),
      pick: fc.nat(),
      advanceMs: fc.oneof(fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 0, max: 3 * DAY })),
    });
    const reachable = reachableFrom('created');

    it('never throws, never mutates, moves only along the table, and keeps the history bounded', () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 150 }), fc.constantFrom<InvitationStatus>('created', 'signing_in', 'consent_pending'), (steps, start) => {
          let inv = deepFreeze(invitation({ status: start }));
          let now = T0;
          for (const s of steps) {
            now += s.advanceMs;
            const at = new Date(now);
            const shown = effectiveStatus(inv, at);
            const legal = EVENTS.filter((e) => INVITATION_TRANSITIONS[e].from.includes(shown) || (e === 'expire' && INVITATION_TRANSITIONS.expire.from.includes(inv.status)));
            const event = s.preferLegal && legal.length > 0 ? legal[s.pick % legal.length] : EVENTS[s.pick % EVENTS.length];
            const before = inv;
            const r = applyEvent(inv, event, at);
            if (r.ok) {
              expect(r.invitation.status).toBe(INVITATION_TRANSITIONS[event].to);
              expect(r.invitation.history[r.invitation.history.length - 1]).toMatchObject({ event, status: r.invitation.status, at: at.toISOString() });
              expect(r.invitation.history.length).toBeLessThanOrEqual(HISTORY_LIMIT);
              expect(r.invitation.history.length).toBe(Math.min(before.history.length + 1, HISTORY_LIMIT));
              inv = deepFreeze(r.invitation);
            } else {
              expect(r).toEqual({ ok: false, reason: 'illegal-transition', from: expect.any(String), event });
              expect(INVITATION_TRANSITIONS[event].from).not.toContain(r.from);
            }
            expect(reachable.has(inv.status)).toBe(true);
            expect(reachable.has(effectiveStatus(inv, at))).toBe(true);
            // Identity and the credential never change by a state transition.
            expect([inv.id, inv.tenantId, inv.tokenHash, inv.expiresAt]).toEqual([before.id, before.tenantId, before.tokenHash, before.expiresAt]);
          }
        }),
        { numRuns: 150 },
      );
    });

    it('leaves a final invitation only through what the table allows', () => {
      fc.assert(
        fc.property(fc.constantFrom<InvitationStatus>(...FINAL_STATUSES), fc.constantFrom(...EVENTS), fc.integer({ min: -10 * DAY, max: 10 * DAY }), (status, event, offset) => {
          const r = applyEvent(deepFreeze(invitation({ status })), event, new Date(T0 + 7 * DAY + offset));
          expect(r.ok).toBe(INVITATION_TRANSITIONS[event].from.includes(status));
        }),
      );
    });
  });
});
