// Where closed incidents' reports live once Temporal's retention forgets them: one JSON, one Markdown
// and one HTML file per incident in a folder (the data folder by default, `reports.dir` to move it),
// plus `index.jsonl`, one compact summary line per archived incident, which stats and metrics read
// instead of every report. Report files are written by atomic renames, so a crash mid-write never
// leaves half a report; index lines are single appends, and a re-archived incident's later line wins.
import { appendFile, mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IncidentReport } from '../domain/report';
import { summarizeReport, type ReportSummary } from '../domain/report-summary';

export interface ArchivedReport {
  report: IncidentReport;
  markdown: string;
  /** Absent for reports archived before HTML was written. */
  html: string | null;
}

export interface ReportArchive {
  save(report: IncidentReport, markdown: string, html: string): Promise<void>;
  load(incidentId: string): Promise<ArchivedReport | null>;
  list(): Promise<IncidentReport[]>;
  /** One summary per archived incident, from the index (rebuilt from the reports when it is missing). */
  summaries(): Promise<ReportSummary[]>;
}

const SAFE_ID = /^[a-z0-9-]+$/;
const INDEX = 'index.jsonl';

export class FileReportArchive implements ReportArchive {
  constructor(readonly dir: string) {}

  async save(report: IncidentReport, markdown: string, html: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.writeAtomically(this.file(report.id, 'md'), markdown);
    await this.writeAtomically(this.file(report.id, 'html'), html);
    // JSON after the renderings: its presence marks a complete archive entry.
    await this.writeAtomically(this.file(report.id, 'json'), `${JSON.stringify(report, null, 2)}\n`);
    await this.ensureIndex();
    await appendFile(this.indexFile(), `${JSON.stringify(summarizeReport(report))}\n`, 'utf8');
  }

  async load(incidentId: string): Promise<ArchivedReport | null> {
    if (!SAFE_ID.test(incidentId)) return null;
    try {
      const json = await readFile(this.file(incidentId, 'json'), 'utf8');
      const markdown = await readFile(this.file(incidentId, 'md'), 'utf8');
      const html = await readFile(this.file(incidentId, 'html'), 'utf8').catch(() => null);
      return { report: JSON.parse(json) as IncidentReport, markdown, html };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async list(): Promise<IncidentReport[]> {
    const names = await this.reportFiles();
    return Promise.all(
      names.map(
        async (name) => JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as IncidentReport,
      ),
    );
  }

  async summaries(): Promise<ReportSummary[]> {
    await this.ensureIndex();
    let text: string;
    try {
      text = await readFile(this.indexFile(), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const byId = new Map<string, ReportSummary>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const summary = JSON.parse(line) as ReportSummary;
        byId.set(summary.id, summary);
      } catch {
        // A line cut short by a crash mid-append: its report is still on disk, and re-archiving rewrites it.
      }
    }
    return [...byId.values()];
  }

  /** Reports archived before the index existed are indexed once, the first time it is needed. */
  private async ensureIndex(): Promise<void> {
    const exists = await stat(this.indexFile()).then(
      () => true,
      () => false,
    );
    if (exists) return;
    const reports = await this.list();
    if (reports.length === 0) return;
    const lines = reports.map((r) => `${JSON.stringify(summarizeReport(r))}\n`).join('');
    await this.writeAtomically(this.indexFile(), lines);
  }

  private async reportFiles(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((name) => name.endsWith('.json'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private indexFile(): string {
    return path.join(this.dir, INDEX);
  }

  private file(incidentId: string, extension: 'json' | 'md' | 'html'): string {
    if (!SAFE_ID.test(incidentId)) throw new Error(`not an incident id: ${incidentId}`);
    return path.join(this.dir, `${incidentId}.${extension}`);
  }

  private async writeAtomically(file: string, content: string): Promise<void> {
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, content, 'utf8');
    await rename(temporary, file);
  }
}
