// Archiving the closed incident's report outside Temporal, so it outlives the namespace retention.
import type { IncidentReport } from '../domain/report';
import type { ActivityDeps } from './deps';

export function createArchiveActivities(deps: ActivityDeps) {
  return {
    async archiveReport({ report, markdown }: { report: IncidentReport; markdown: string }): Promise<void> {
      await deps.archive.save(report, markdown);
    },
  };
}
