import { renderMessage, renderSweepStatus, type CardAttachment } from '../../../cards';
import type { Parsed, TenantRef } from '../../../src/domain/inputs';
import type { RequestSweepResult } from '../../../src/usecases/sweeps/requestSweep';
import { formatUtc } from '../../presentation/views';
import { sweepStatusCard } from '../../presentation/sweepViews';
import { command, noArguments, type CommandTurn } from '../services';
import { validateCommand } from './validate';

/** `validate all` or `validate <tenant>`: one command name, two inputs. */
type ValidateInput = { kind: 'all' } | { kind: 'tenant'; ref: TenantRef };

/**
 * `validate` as the command table lists it: `validate all` starts a sweep of every tenant;
 * anything else is the one-tenant `validate` (its parse, its words, its run).
 */
export const validateOrSweepCommand = command<ValidateInput>({
  name: validateCommand.name,
  usage: `${validateCommand.usage} | validate all`,
  description: 'Validate Authentication: renew a tenant\'s saved sign-in and check what it reaches; validate all does every tenant now.',
  role: validateCommand.role,
  parse(args): Parsed<ValidateInput> {
    if (args.length === 1 && args[0].toLowerCase() === 'all') return { ok: true, value: { kind: 'all' } };
    const one = validateCommand.parse(args) as Parsed<TenantRef>;
    return one.ok ? { ok: true, value: { kind: 'tenant', ref: one.value } } : one;
  },
  run: (turn, input) => (input.kind === 'all' ? startSweep(turn) : validateCommand.run(turn, input.ref)),
});

async function startSweep({ services, actor, requestKey }: CommandTurn): Promise<CardAttachment> {
  return sweepStartedCard(await services.sweeps.start({ actor, requestKey }), services.sweeps.runnerTickMs);
}

function sweepStartedCard(result: RequestSweepResult, tickMs: number): CardAttachment {
  const seconds = Math.max(1, Math.ceil(tickMs / 1000));
  if (result.ok) {
    return renderMessage({
      title: 'Sweep started',
      text: `Every tenant with a saved sign-in is being validated (sweep ${result.sweepId}); it starts within ${seconds} s on the instance that runs sweeps. **sweep** shows how far it got.`,
      tone: 'good',
    });
  }
  switch (result.reason) {
    case 'running':
      return renderMessage({
        title: 'A sweep is already running',
        text: `It started ${formatUtc(result.run.startedAt)} and has checked ${result.run.counts.checked} tenants so far. **sweep** shows how far it got; no second one is started.`,
        tone: 'warning',
      });
    case 'requested':
      return renderMessage({ title: 'A sweep was asked for already', text: `Asked for at ${formatUtc(result.at)}; it starts within ${seconds} s. **sweep** shows it.`, tone: 'warning' });
    case 'busy':
      return renderMessage({ title: 'The sweep could not be asked for', text: 'The runner\'s record kept changing under the request. Try **validate all** again in a moment.', tone: 'warning' });
  }
}

export const sweepCommand = command<void>({
  name: 'sweep',
  usage: 'sweep',
  description: 'Show the running and the last sweep of every tenant (checked, ok, failed, skipped, duration) and the next scheduled run.',
  role: 'viewer',
  parse: noArguments,
  run: async ({ services }) => renderSweepStatus(sweepStatusCard(await services.sweeps.status(), services.clock.now())),
});
