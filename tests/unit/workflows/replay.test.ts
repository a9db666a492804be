// Incidents in flight when Firebreak is upgraded carry on under the new code by replaying their
// history. A change to what an incident does, in what order, breaks them (nondeterminism: the incident
// stops mid-response) unless it is behind `patched()`, as SETTINGS_WITH_POLICY in workflows/incident.ts
// is. Each fixture is the whole history of an incident recorded on an earlier version, its commit in
// the file name: alert, page, acknowledgement (an Update), recovery, report, close. They are recorded
// by tests/integration/replay-recorded.test.ts with FIREBREAK_RECORD_HISTORY=<file>, as binary History
// protos: the SDK's JSON import fails in this install (two copies of protobufjs).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../../../worker/worker';

const FIXTURES = path.resolve(__dirname, '../../fixtures/histories');

describe('incidents recorded on earlier versions', () => {
  let code: string;

  beforeAll(async () => {
    ({ code } = await bundleWorkflows());
  }, 120_000);

  test.each(readdirSync(FIXTURES).filter((f) => f.endsWith('.history')))(
    '%s replays on this version without nondeterminism',
    async (file) => {
      const history = temporal.api.history.v1.History.decode(readFileSync(path.join(FIXTURES, file)));
      await expect(
        Worker.runReplayHistory({ workflowBundle: { code } }, history, `replay-${file}`),
      ).resolves.toBeUndefined();
    },
  );
});
