// The report archive on disk: three renderings per incident, and an index that stats read, which
// finds and indexes reports it lacks (archived before it existed, or a crash between the writes).
import { appendFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildReport, renderMarkdown } from '../../../domain/report';
import { renderHtml } from '../../../domain/report-html';
import { summarizeReport } from '../../../domain/report-summary';
import { FileReportArchive } from '../../../integrations/report-archive';
import { knownIncident } from '../../support/incident-fixtures';

function report(n: number, ttrMs = 600_000) {
  return buildReport(
    knownIncident({ n, detected: '2026-11-20T10:00:00.000Z', ttrMs }),
    '2026-11-20T11:00:00.000Z',
  );
}

describe('the report archive', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'firebreak-archive-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('keeps JSON, Markdown and HTML, and one index line per archived incident', async () => {
    const archive = new FileReportArchive(dir);
    const r = report(1);
    await archive.save(r, renderMarkdown(r), renderHtml(r));
    const loaded = await archive.load(r.id);
    expect(loaded?.report.id).toBe(r.id);
    expect(loaded?.html).toContain('<h2>Timings</h2>');
    expect(readFileSync(path.join(dir, 'index.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(await archive.summaries()).toMatchObject([{ id: r.id, ttrMs: 600_000 }]);
  });

  test('an incident archived twice (a retried activity) counts once, with its latest report', async () => {
    const archive = new FileReportArchive(dir);
    const first = report(1, 600_000);
    const again = report(1, 900_000);
    await archive.save(first, renderMarkdown(first), renderHtml(first));
    await archive.save(again, renderMarkdown(again), renderHtml(again));
    expect(await archive.summaries()).toMatchObject([{ id: first.id, ttrMs: 900_000 }]);
  });

  test('reports the index lacks are indexed when it is read, once', async () => {
    const archive = new FileReportArchive(dir);
    for (const n of [1, 2, 3]) {
      const r = report(n);
      await archive.save(r, renderMarkdown(r), renderHtml(r));
    }
    unlinkSync(path.join(dir, 'index.jsonl'));
    writeFileSync(path.join(dir, 'index.jsonl'), '{"id":"shop-000000'); // a line cut short by a crash
    expect((await archive.summaries()).map((s) => s.id).sort()).toEqual([
      'shop-00000001',
      'shop-00000002',
      'shop-00000003',
    ]);
    const lines = readFileSync(path.join(dir, 'index.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(4);
    expect(await new FileReportArchive(dir).summaries()).toHaveLength(3);
    expect(readFileSync(path.join(dir, 'index.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(4);
  });

  test('a reader sees what another process appends, and a record still being written once it is whole', async () => {
    const writer = new FileReportArchive(dir);
    const reader = new FileReportArchive(dir);
    const first = report(1);
    await writer.save(first, renderMarkdown(first), renderHtml(first));
    expect(await reader.summaries()).toHaveLength(1);
    const second = report(2);
    await writer.save(second, renderMarkdown(second), renderHtml(second));
    expect((await reader.summaries()).map((s) => s.id)).toEqual([first.id, second.id]);
    // Half of a record for an incident whose report files are not there yet (mid-append elsewhere).
    const third = JSON.stringify({ ...summarizeReport(report(3)), id: 'shop-0000000f' });
    appendFileSync(path.join(dir, 'index.jsonl'), `\n${third.slice(0, 40)}`);
    expect(await reader.summaries()).toHaveLength(2);
    appendFileSync(path.join(dir, 'index.jsonl'), third.slice(40));
    expect((await reader.summaries()).map((s) => s.id)).toContain('shop-0000000f');
  });

  test('concurrent saves from one process all land', async () => {
    const archive = new FileReportArchive(dir);
    await Promise.all(
      Array.from({ length: 20 }, (_, n) => {
        const r = report(n);
        return archive.save(r, renderMarkdown(r), renderHtml(r));
      }),
    );
    expect(await archive.summaries()).toHaveLength(20);
  });
});
