// Where closed incidents' reports live once Temporal's retention forgets them: one JSON and one
// Markdown file per incident in a folder (the data folder by default). Writes are atomic renames,
// so a crash mid-write never leaves half a report, and re-writing the same report is harmless.
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IncidentReport } from '../domain/report';

export interface ArchivedReport {
  report: IncidentReport;
  markdown: string;
}

export interface ReportArchive {
  save(report: IncidentReport, markdown: string): Promise<void>;
  load(incidentId: string): Promise<ArchivedReport | null>;
  list(): Promise<IncidentReport[]>;
}

const SAFE_ID = /^[a-z0-9-]+$/;

export class FileReportArchive implements ReportArchive {
  constructor(private readonly dir: string) {}

  async save(report: IncidentReport, markdown: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.writeAtomically(this.file(report.id, 'md'), markdown);
    // JSON last: its presence marks a complete archive entry.
    await this.writeAtomically(this.file(report.id, 'json'), `${JSON.stringify(report, null, 2)}\n`);
  }

  async load(incidentId: string): Promise<ArchivedReport | null> {
    if (!SAFE_ID.test(incidentId)) return null;
    try {
      const json = await readFile(this.file(incidentId, 'json'), 'utf8');
      const markdown = await readFile(this.file(incidentId, 'md'), 'utf8');
      return { report: JSON.parse(json) as IncidentReport, markdown };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async list(): Promise<IncidentReport[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const reports = await Promise.all(
      names
        .filter((name) => name.endsWith('.json'))
        .map(async (name) => JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as IncidentReport),
    );
    return reports;
  }

  private file(incidentId: string, extension: 'json' | 'md'): string {
    if (!SAFE_ID.test(incidentId)) throw new Error(`not an incident id: ${incidentId}`);
    return path.join(this.dir, `${incidentId}.${extension}`);
  }

  private async writeAtomically(file: string, content: string): Promise<void> {
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, content, 'utf8');
    await rename(temporary, file);
  }
}
