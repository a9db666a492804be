// Where closed incidents' reports live once Temporal's retention forgets them: one JSON, one Markdown
// and one HTML file per incident in a folder (the data folder by default, `reports.dir` to move it),
// plus `index.jsonl`, one compact summary line per archived incident, which stats and metrics read
// instead of every report. Report files are written by atomic renames, so a crash mid-write never
// leaves half a report; index lines are single appends, and a re-archived incident's later line wins.
// A report the index lacks (archived before the index existed, or a crash between the two writes) is
// found by its file name when the index is read, and indexed then.
import { appendFile, mkdir, open, readFile, readdir, rename, writeFile } from 'node:fs/promises';
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
  /** One summary per archived incident, from the index (completed from the reports it lacks). */
  summaries(): Promise<ReportSummary[]>;
}

const SAFE_ID = /^[a-z0-9-]+$/;
const INDEX = 'index.jsonl';
/**
 * Each index record starts a new line: a line cut short by a crash mid-append never swallows the next
 * record. Blank lines are skipped when reading.
 */
function indexLine(summary: ReportSummary): string {
  return `\n${JSON.stringify(summary)}`;
}

/** Distinct temporary names for concurrent writes from one process. */
let writes = 0;

export class FileReportArchive implements ReportArchive {
  /** The index as read so far: later reads parse only what was appended since (stats, every scrape). */
  private indexed = { offset: 0, byId: new Map<string, ReportSummary>() };

  constructor(readonly dir: string) {}

  async save(report: IncidentReport, markdown: string, html: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.writeAtomically(this.file(report.id, 'md'), markdown);
    await this.writeAtomically(this.file(report.id, 'html'), html);
    // JSON after the renderings: its presence marks a complete archive entry.
    await this.writeAtomically(this.file(report.id, 'json'), `${JSON.stringify(report, null, 2)}\n`);
    await appendFile(this.indexFile(), indexLine(summarizeReport(report)), 'utf8');
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
    const [, names] = await Promise.all([this.readAppended(), this.reportFiles()]);
    const byId = this.indexed.byId;
    const missing = names.map((name) => name.slice(0, -'.json'.length)).filter((id) => !byId.has(id));
    if (missing.length > 0) await this.indexMissing(missing, byId);
    return [...byId.values()];
  }

  /**
   * Parses what was appended to the index since the last read. A last record that does not parse yet
   * may still be being appended by another process: it is read again next time. A file smaller than
   * what was read (replaced) is read again from the start.
   */
  private async readAppended(): Promise<void> {
    let handle;
    try {
      handle = await open(this.indexFile(), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size < this.indexed.offset) this.indexed = { offset: 0, byId: new Map() };
      const start = this.indexed.offset;
      if (size === start) return;
      const chunk = Buffer.alloc(size - start);
      await handle.read(chunk, 0, chunk.length, start);
      const lines = chunk.toString('utf8').split('\n');
      const last = lines.pop() as string;
      for (const line of lines) this.parseLine(line);
      const lastComplete = last === '' || this.parseLine(last);
      this.indexed.offset = lastComplete ? size : size - Buffer.byteLength(last);
    } finally {
      await handle.close();
    }
  }

  /** False when the line is not (yet) a whole record: cut short by a crash, or still being appended. */
  private parseLine(line: string): boolean {
    if (!line) return true;
    try {
      const summary = JSON.parse(line) as ReportSummary;
      this.indexed.byId.set(summary.id, summary);
      return true;
    } catch {
      // Its report is still on disk: the missing-report check indexes it again.
      return false;
    }
  }

  /** Summarizes the reports the index lacks and appends them, so the next read finds them there. */
  private async indexMissing(ids: string[], byId: Map<string, ReportSummary>): Promise<void> {
    const lines: string[] = [];
    for (const id of ids) {
      const archived = await this.load(id).catch(() => null);
      if (!archived) continue;
      const summary = summarizeReport(archived.report);
      byId.set(id, summary);
      lines.push(indexLine(summary));
    }
    if (lines.length > 0) await appendFile(this.indexFile(), lines.join(''), 'utf8');
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
    writes += 1;
    const temporary = `${file}.${process.pid}.${writes}.tmp`;
    await writeFile(temporary, content, 'utf8');
    await rename(temporary, file);
  }
}
