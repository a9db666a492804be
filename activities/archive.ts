// Archiving the closed incident's report outside Temporal, so it outlives the namespace retention.
// The HTML rendering is made here, beside the archive, so the workflow's history carries the report once.
import type { IncidentReport } from '../domain/report';
import { renderHtml } from '../domain/report-html';
import type { ActivityDeps } from './deps';

export function createArchiveActivities(deps: ActivityDeps) {
  return {
    async archiveReport({ report, markdown }: { report: IncidentReport; markdown: string }): Promise<void> {
      await deps.archive.save(report, markdown, renderHtml(report));
    },
  };
}
