// Where archived reports live: outside Temporal, so they outlive the namespace's retention. Every
// worker (which writes them) and every API process (which serves them, stats and metrics) must see
// the same folder: a shared volume when they run on several machines.
import path from 'node:path';
import { z } from 'zod';

export const reportsSchema = z
  .object({
    /** Default `<dataDir>/reports`. */
    dir: z.string().min(1).optional(),
  })
  .strict();

export function reportsDir(config: { dataDir: string; reports?: z.output<typeof reportsSchema> }): string {
  return config.reports?.dir ?? path.join(config.dataDir, 'reports');
}
