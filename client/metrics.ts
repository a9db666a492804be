// Firebreak's Prometheus metrics (prom-client). Each number comes from the process that knows it:
// - durations (TTD/TTA/TTR histograms) and the incident, page, action and rollback counters come from
//   the report archive, so every API process serves the same numbers, and they survive restarts;
// - intake and rejected requests are counted by the API process that answered them;
// - activity failures are counted by the worker (in `firebreak start` the worker and the API share one
//   process, so one /metrics has everything; a lone worker can serve its own, see metrics-server.ts);
// - open incidents come from Temporal's visibility index, as `firebreak incidents` lists them.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IncidentSummary } from '../domain/incident';
import type { ReportSummary } from '../domain/report-summary';
import type { ReportArchive } from '../integrations/report-archive';

/** Incident durations span seconds to days: buckets in seconds from 30 s to 1 day. */
const DURATION_BUCKETS = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400];
/** A scrape reads the archive index once, shared by all archive-backed metrics. */
const ARCHIVE_CACHE_MS = 1000;

type Labels<T extends string> = Partial<Record<T, string | number>>;

export class FirebreakMetrics {
  readonly registry = new Registry();
  readonly intakeDeliveries: Counter<'source'>;
  readonly rejectedRequests: Counter<'route' | 'status'>;
  readonly activityFailures: Counter<'activity'>;
  private archiveRead: { at: number; summaries: Promise<ReportSummary[]> } | null = null;

  constructor(
    private readonly archive: ReportArchive,
    /** The open incidents, for the gauge; absent in a process that has no Temporal client. */
    openIncidents?: () => Promise<IncidentSummary[]>,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'firebreak_' });
    this.intakeDeliveries = new Counter({
      name: 'firebreak_intake_deliveries_total',
      help: 'Alert deliveries accepted (202) by the intake, by source',
      labelNames: ['source'],
      registers,
    });
    this.rejectedRequests = new Counter({
      name: 'firebreak_rejected_requests_total',
      help: 'Requests answered with a 4xx, by route and status',
      labelNames: ['route', 'status'],
      registers,
    });
    this.activityFailures = new Counter({
      name: 'firebreak_activity_failures_total',
      help: 'Activity attempts that failed in this process (each retry counts), by activity',
      labelNames: ['activity'],
      registers,
    });
    if (openIncidents) this.openIncidentsGauge(openIncidents);
    this.archiveHistogram('firebreak_ttd_seconds', 'Time to detect (impact start → detected)', 'ttdMs');
    this.archiveHistogram('firebreak_tta_seconds', 'Time to acknowledge (paged → acknowledged)', 'ttaMs');
    this.archiveHistogram('firebreak_ttr_seconds', 'Time to resolve (detected → resolved)', 'ttrMs');
    this.archiveCounter('firebreak_incidents_total', 'Archived incidents', ['service', 'severity'], (s) => [
      [{ service: s.service, severity: s.severity }, 1],
    ]);
    this.archiveCounter('firebreak_pages_total', 'Pages and escalations sent', ['service'], (s) => [
      [{ service: s.service }, s.pages],
    ]);
    this.archiveCounter('firebreak_actions_total', 'Responder actions', ['service', 'action'], (s) =>
      Object.entries(s.actions).map(([action, n]) => [{ service: s.service, action }, n]),
    );
    this.archiveCounter('firebreak_rollbacks_total', 'Rollbacks by result', ['service', 'result'], (s) =>
      s.rollbacks.map((result) => [{ service: s.service, result }, 1]),
    );
  }

  /** The Prometheus text exposition of everything above. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private summaries(): Promise<ReportSummary[]> {
    const now = Date.now();
    if (!this.archiveRead || now - this.archiveRead.at > ARCHIVE_CACHE_MS) {
      this.archiveRead = { at: now, summaries: this.archive.summaries() };
    }
    return this.archiveRead.summaries;
  }

  private openIncidentsGauge(openIncidents: () => Promise<IncidentSummary[]>): void {
    new Gauge({
      name: 'firebreak_open_incidents',
      help: 'Incidents open now, by service, severity and status',
      labelNames: ['service', 'severity', 'status'],
      registers: [this.registry],
      async collect() {
        // Temporal unreachable: no sample (absent, not zero), and the rest of /metrics still answers.
        const open = await openIncidents().catch(() => null);
        this.reset();
        for (const i of open ?? []) this.inc({ service: i.service, severity: i.severity, status: i.status });
      },
    });
  }

  private archiveHistogram(name: string, help: string, field: 'ttdMs' | 'ttaMs' | 'ttrMs'): void {
    const read = () => this.summaries();
    new Histogram({
      name,
      help: `${help}, seconds, of archived incidents`,
      labelNames: ['service', 'severity'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
      async collect() {
        const summaries = await read();
        this.reset();
        for (const s of summaries) {
          const ms = s[field];
          if (typeof ms === 'number') this.observe({ service: s.service, severity: s.severity }, ms / 1000);
        }
      },
    });
  }

  private archiveCounter<T extends string>(
    name: string,
    help: string,
    labelNames: T[],
    countsOf: (s: ReportSummary) => Array<[Labels<T>, number]>,
  ): void {
    const read = () => this.summaries();
    new Counter({
      name,
      help: `${help}, of archived incidents`,
      labelNames,
      registers: [this.registry],
      async collect() {
        const summaries = await read();
        this.reset();
        for (const s of summaries) for (const [labels, n] of countsOf(s)) if (n > 0) this.inc(labels, n);
      },
    });
  }
}
