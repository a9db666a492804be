// Alerts that fired while an incident was closing open the group's next incident: they travel to it in
// the continue-as-new input, one Temporal payload (limit 2 MB). A storm in that moment (thousands of
// distinct alerts, each delivery up to 1,000) would push the input past the limit, the workflow task
// would fail over and over, and neither this incident's close nor the next one would ever happen. So
// repeats are collapsed to each alert's last state, and past a budget the rest are counted, not carried:
// the next incident says how many, and monitoring sends them again while they fire.
import type { AlertBatch } from '../domain/alert';
import { utf8Bytes } from '../domain/incident-view';

/** Well under 2 MB, leaving room for the rest of the input and the command around it. */
export const CARRY_OVER_BYTES = 1024 * 1024;

export interface CarryOver {
  carriedOver: AlertBatch[];
  /** Distinct alerts that did not fit (absent when none). */
  leftOutOfCarryOver?: number;
}

export function carryOver(batches: AlertBatch[], budgetBytes: number = CARRY_OVER_BYTES): CarryOver {
  // Where each alert's last state arrived: an earlier copy of it carries nothing the next incident needs.
  const last = new Map<string, number>();
  batches.forEach((batch, index) => {
    for (const alert of batch.alerts) last.set(alert.occurrenceKey, index);
  });
  const carried: AlertBatch[] = [];
  let bytes = 0;
  let leftOut = 0;
  const seen = new Set<string>();
  batches.forEach((batch, index) => {
    const alerts = batch.alerts.filter((alert) => {
      if (last.get(alert.occurrenceKey) !== index || seen.has(alert.occurrenceKey)) return false;
      seen.add(alert.occurrenceKey);
      const size = utf8Bytes(JSON.stringify(alert));
      if (bytes + size > budgetBytes) {
        leftOut += 1;
        return false;
      }
      bytes += size;
      return true;
    });
    if (alerts.length > 0 || batch.truncated > 0) carried.push({ ...batch, alerts });
  });
  return leftOut > 0 ? { carriedOver: carried, leftOutOfCarryOver: leftOut } : { carriedOver: carried };
}
