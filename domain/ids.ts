// How incidents are named. One alert group = one workflow ID; each run of it is one incident, so
// the incident ID combines the group's workflow ID with the start of its run ID.

const WORKFLOW_PREFIX = 'incident-';

/** Workflow ID for an alert group (grouping key already chosen by intake, e.g. the service). */
export function workflowIdForGroup(groupKey: string): string {
  return `${WORKFLOW_PREFIX}${slug(groupKey)}`;
}

export function incidentIdFor(workflowId: string, runId: string): string {
  const group = workflowId.startsWith(WORKFLOW_PREFIX)
    ? workflowId.slice(WORKFLOW_PREFIX.length)
    : workflowId;
  return `${group}-${runId.replace(/-/g, '').slice(0, 8)}`;
}

/** Lower-case letters, digits and dashes, so IDs are safe in URLs, shells and file names. */
export function slug(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned.slice(0, 80) || 'unnamed';
}

const INCIDENT_ID_PATTERN = /^[a-z0-9-]{1,80}-[0-9a-f]{8}$/;

export function isIncidentId(text: string): boolean {
  return INCIDENT_ID_PATTERN.test(text);
}

/** The group slug and the run-id prefix an incident id is made of. */
export function splitIncidentId(id: string): { group: string; runPrefix: string } {
  const cut = id.lastIndexOf('-');
  return { group: id.slice(0, cut), runPrefix: id.slice(cut + 1) };
}
