// Prometheus metrics of a lone worker: `firebreak worker` has no API, so it serves its own /metrics
// (activity failures, process health) on this port when set. The API serves /metrics on its own port.
import { z } from 'zod';

export const metricsSchema = z
  .object({
    /** Port of a lone worker's /metrics (bearer API token, as the API's). Off unless set. */
    workerPort: z.number().int().min(0).max(65535).optional(),
  })
  .strict();
