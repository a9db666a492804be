// The deploy freeze of one service, as its own long-lived workflow (id `firebreak-freeze-<service>`):
// incidents place holds (a rollback in effect, an open paging incident) and lift them; the freeze ends
// when no hold is left. It outlives the incident that placed it, because a rollback freeze must stand
// until a hotfix succeeds or a responder lifts it, whether or not the incident is still open. While
// frozen, an open GitHub issue with the freeze label in the service's repo tells CI so.
import { allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { IncidentActivities } from '../activities';
import { liftCovers, withHold, type FreezeHold, type FreezeState } from '../domain/freeze';
import { freezeStateQuery, holdSignal, liftSignal } from './freeze-messages';

export interface FreezeInput {
  service: string;
  hold: FreezeHold;
}

/**
 * The flag is how CI sees the freeze, so it is retried for an hour; the freeze itself (and
 * `GET /v1/freeze`) stands in Temporal whether or not GitHub answers.
 */
const flagWrites = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function freezeWorkflow(input: FreezeInput): Promise<FreezeState> {
  const state: FreezeState = { service: input.service, frozen: true, holds: [], flag: null, events: [] };
  const note = (what: string): void => {
    state.events.push({ at: new Date().toISOString(), what });
  };
  const hold = (h: FreezeHold): void => {
    const before = state.holds.length;
    state.holds = withHold(state.holds, h);
    if (state.holds.length > before) note(`hold by ${h.incidentId} (${h.kind}): ${h.reason}`);
  };
  setHandler(holdSignal, hold);
  setHandler(liftSignal, (lift) => {
    const lifted = state.holds.filter((h) => liftCovers(lift, h));
    if (lifted.length === 0) return;
    state.holds = state.holds.filter((h) => !liftCovers(lift, h));
    note(
      `lifted by ${lift.by} (${lifted.map((h) => `${h.incidentId} ${h.kind}`).join(', ')}): ${lift.reason}`,
    );
  });
  setHandler(freezeStateQuery, () => ({ ...state, frozen: state.holds.length > 0 }));

  hold(input.hold);
  for (;;) {
    if (state.holds.length > 0) {
      if (!state.flag) await raiseFlag(state, note);
      await condition(() => state.holds.length === 0);
      continue;
    }
    if (state.flag) await lowerFlag(state, note);
    // A hold placed while the flag was being lowered keeps the freeze (and raises the flag again).
    if (state.holds.length > 0) continue;
    await condition(allHandlersFinished);
    state.frozen = false;
    return state;
  }
}

async function raiseFlag(state: FreezeState, note: (what: string) => void): Promise<void> {
  const first = state.holds[0] as FreezeHold;
  try {
    const flag = await flagWrites.raiseFreezeFlag({
      service: state.service,
      title: `Deploy freeze: ${state.service} (${first.reason})`,
      body: [
        `Deploys of **${state.service}** are frozen by Firebreak since ${first.since}.`,
        '',
        `Why: ${first.reason} (incident ${first.incidentId}).`,
        '',
        'The freeze ends when a hotfix succeeds or a responder lifts it (`firebreak act <incident> lift-freeze`,',
        '`firebreak freeze lift --service ' + state.service + '`). Until then CI steps running',
        '`firebreak freeze check --service ' + state.service + '` fail.',
      ].join('\n'),
    });
    if (!flag) return;
    state.flag = flag;
    note(`freeze issue #${flag.number} opened: ${flag.url}`);
  } catch (error) {
    note(`the freeze issue could not be opened: ${describe(error)}`);
  }
}

async function lowerFlag(state: FreezeState, note: (what: string) => void): Promise<void> {
  const flag = state.flag as { number: number; url: string };
  const lastLift = state.events.at(-1)?.what ?? 'every hold was lifted';
  try {
    await flagWrites.lowerFreezeFlag({
      service: state.service,
      flagNumber: flag.number,
      comment: `Firebreak lifted the deploy freeze of ${state.service}: ${lastLift}`,
    });
    note(`freeze issue #${flag.number} closed`);
  } catch (error) {
    note(`the freeze issue #${flag.number} could not be closed: ${describe(error)}`);
  }
  state.flag = null;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
