// The service's configuration as the incident keeps it: owners and team for the page and the report, the
// enrichment budget and the suspect-deploy window. Read once when the incident starts (a local activity:
// it reads the worker's config, no network), so a config change never alters an open incident midway.
import type { ServiceProfile } from '../domain/incident';
import { serviceConfig, type ActivityDeps } from './deps';

export function createProfileActivities(deps: ActivityDeps) {
  return {
    async serviceProfile({ service }: { service: string }): Promise<ServiceProfile> {
      const config = serviceConfig(deps, service);
      return {
        owners: config.owners,
        team: config.team ?? null,
        enrichmentBudgetMs: config.policy.enrichmentBudgetMs,
        suspectWindowMs: config.policy.suspectWindowMinutes * 60_000,
      };
    },
  };
}
