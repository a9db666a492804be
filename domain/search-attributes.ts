// Firebreak's custom search attributes: registered on the namespace at start, upserted by the
// incident workflow, used by the API to list and find incidents.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const INCIDENT_ID = defineSearchAttributeKey('FirebreakIncidentId', SearchAttributeType.KEYWORD);
export const SERVICE = defineSearchAttributeKey('FirebreakService', SearchAttributeType.KEYWORD);
export const SEVERITY = defineSearchAttributeKey('FirebreakSeverity', SearchAttributeType.KEYWORD);
export const STATUS = defineSearchAttributeKey('FirebreakStatus', SearchAttributeType.KEYWORD);
/** PagerDuty's incident id: how a webhook that names only PagerDuty's incident finds ours. */
export const PAGERDUTY_INCIDENT = defineSearchAttributeKey(
  'FirebreakPagerDutyIncident',
  SearchAttributeType.KEYWORD,
);

export const FIREBREAK_SEARCH_ATTRIBUTES = [INCIDENT_ID, SERVICE, SEVERITY, STATUS, PAGERDUTY_INCIDENT];
