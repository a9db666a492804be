// Incidents with known events and times, for report, stats and metrics tests and for the benchmarks:
// the state a closed incident's workflow would have had, built without running one.
import type { Actor } from '../../domain/actions';
import type { IncidentState, TimelineEntry } from '../../domain/incident';
import { DEFAULT_POLICY } from '../../domain/policy';

export interface KnownIncident {
  n: number;
  service?: string;
  severity?: string;
  /** When Firebreak received the first alert. */
  detected: string;
  /** Impact start → detected. */
  ttdMs?: number;
  /** Paged 2 s after detection → acknowledged. */
  ttaMs?: number | null;
  /** Detected → resolved. */
  ttrMs: number;
  /** A suspect deploy finished this long before impact start, and was rolled back with this result. */
  deployLeadMs?: number | null;
  rollbackResult?: string | null;
  /** Extra timeline entries after acknowledgement (notes), for long timelines. */
  notes?: number;
}

const ADA: Actor = { by: 'ada@example.test', channel: 'api' };
const ENGINE: Actor = { by: 'firebreak', channel: 'workflow' };
const SHA = (seed: string) => seed.repeat(40).slice(0, 40);

export function knownIncident(spec: KnownIncident): IncidentState {
  const service = spec.service ?? 'shop';
  const detected = Date.parse(spec.detected);
  const at = (ms: number) => new Date(detected + ms).toISOString();
  const ttd = spec.ttdMs ?? 60_000;
  const impactStart = new Date(detected - ttd).toISOString();
  const paged = at(2000);
  const acknowledged = spec.ttaMs === null ? null : at(2000 + (spec.ttaMs ?? 120_000));
  const resolved = at(spec.ttrMs);
  const deployLead = spec.deployLeadMs ?? null;
  const timeline: TimelineEntry[] = [
    entry(impactStart, 'alert', 'firing: checkout 5xx above 10%', ENGINE, { occurrence: 'f@1' }),
    entry(spec.detected, 'alert-received', 'first alert received', ENGINE),
    entry(paged, 'paged', 'paged through PagerDuty', ENGINE),
  ];
  if (acknowledged) timeline.push(entry(acknowledged, 'acknowledged', 'acknowledged by ada', ADA));
  const rollbacks: IncidentState['rollbacks'] = [];
  let mitigated: string | null = null;
  if (spec.rollbackResult) {
    const requestedAt = at(2000 + (spec.ttaMs ?? 120_000) + 1000);
    const finishedAt = at(Math.min(spec.ttrMs - 1000, 2000 + (spec.ttaMs ?? 120_000) + 300_000));
    rollbacks.push({
      requestId: `${service}-${spec.n}-rollback-1`,
      targetSha: SHA('ca11ed'),
      requestedBy: ADA,
      requestedAt,
      forced: false,
      buildNumber: spec.n,
      buildUrl: `https://jenkins.test/job/rollback/${spec.n}/`,
      result: spec.rollbackResult,
      finishedAt,
    });
    timeline.push(entry(requestedAt, 'action', 'rollback to ca11edca11ed requested', ADA));
    if (spec.rollbackResult === 'SUCCESS') {
      mitigated = finishedAt;
      timeline.push(entry(finishedAt, 'mitigated', 'rollback succeeded', ENGINE));
    }
  }
  for (let i = 0; i < (spec.notes ?? 0); i += 1) {
    timeline.push(entry(at(200_000 + i * 1000), 'note', `note ${i}: still looking <at> the "logs"`, ADA));
  }
  timeline.push(entry(resolved, 'resolved', 'rolled back', ADA));
  timeline.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return {
    id: `${service}-${spec.n.toString(16).padStart(8, '0')}`,
    workflowId: `incident-${service}`,
    service,
    severity: spec.severity ?? 'critical',
    title: 'checkout 5xx above 10%',
    status: 'closed',
    alerts: [],
    profile: {
      owners: ['ada@example.test'],
      team: 'payments',
      enrichmentBudgetMs: 2000,
      suspectWindowMs: 7_200_000,
    },
    enrichment:
      deployLead === null
        ? null
        : {
            source: 'github',
            repo: 'acme/shop',
            branch: 'main',
            deploysFrom: 'production deployments of acme/shop',
            latestCommit: null,
            currentDeploy: {
              sha: SHA('c0ffee'),
              deploymentId: 2,
              finishedAt: new Date(Date.parse(impactStart) - deployLead).toISOString(),
              url: '',
            },
            rollbackCandidate: {
              sha: SHA('ca11ed'),
              deploymentId: 1,
              finishedAt: '2026-01-01T00:00:00.000Z',
              url: '',
            },
            rollbackCandidateAgeMs: 86_400_000,
            recentDeploys: [],
            readAt: spec.detected,
            attempts: 1,
            changes: [{ sha: SHA('d'), message: 'Add index' }],
            migrations: [],
            changesPossiblyIncomplete: false,
            compareUrl: null,
            changesRead: true,
            warnings: [],
          },
    policy: { ...DEFAULT_POLICY },
    pagerDuty: { incidentId: null, incidentNumber: null, url: null, escalationLevel: 1 },
    times: {
      impactStart,
      detected: spec.detected,
      paged,
      acknowledged,
      mitigated,
      resolved,
      closed: at(spec.ttrMs + 1000),
    },
    rollbacks,
    resolution: 'rolled back',
    resolvedBy: ADA,
    followUps: [],
    flaps: [],
    timeline,
  };
}

function entry(
  at: string,
  kind: string,
  message: string,
  actor: Actor,
  data?: Record<string, unknown>,
): TimelineEntry {
  return { at, timeSource: 'workflow', kind, message, actor, ...(data ? { data } : {}) };
}
