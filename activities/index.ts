// All of the incident workflow's activities, built from injected clients (Temporal's saga-sample
// pattern): the worker wires production or sandbox clients; tests wire stand-ins.
import { createArchiveActivities } from './archive';
import type { ActivityDeps } from './deps';
import { createDeploySafetyActivities } from './deploy-safety';
import { createEnrichActivities } from './enrich';
import { createNotifyActivities } from './notify';
import { createPageActivities } from './page';
import { createProfileActivities } from './profile';
import { createPolicyActivities } from './policy';
import { createRollbackActivities } from './rollback';
import { createStakeholderSettingsActivities } from './stakeholder-settings';
import { createTicketActivities } from './tickets';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createProfileActivities(deps),
    ...createEnrichActivities(deps),
    ...createPageActivities(deps),
    ...createPolicyActivities(deps),
    ...createRollbackActivities(deps),
    ...createDeploySafetyActivities(deps),
    ...createNotifyActivities(deps),
    ...createStakeholderSettingsActivities(deps),
    ...createTicketActivities(deps),
    ...createArchiveActivities(deps),
  };
}

export type IncidentActivities = ReturnType<typeof createActivities>;
