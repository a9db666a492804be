// The incident workflow's public messages: how intake, the API, the CLI and PagerDuty talk to it.
// Plain definitions, importable by client code without pulling in workflow logic.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionOutcome, ActionRequest } from '../domain/actions';
import type { AlertBatch } from '../domain/alert';
import type { IncidentView } from '../domain/incident-view';
import type { PagerDutyDelivery } from '../domain/pagerduty-events';

/** New, repeated or resolved alerts for the incident's group (sent with signal-with-start). */
export const alertsSignal = defineSignal<[AlertBatch]>('alerts');

/**
 * What a responder did in PagerDuty (a verified v3 webhook, translated by the API). A signal, so the
 * webhook is answered at once and durably; the workflow de-duplicates, validates and authorizes it.
 */
export const pagerDutySignal = defineSignal<[PagerDutyDelivery]>('pagerduty');

/**
 * Answers once the incident has taken every alert hand-off sent before it: intake's flow control. Temporal
 * buffers the signals that arrive while a workflow task is open (the page's local activities keep it open),
 * and past 2 MB of them it force-fails that task, which the SDK's cached run can mishandle (alerts lost
 * from the live state). So intake waits for this before a group's un-taken hand-offs would pass 1 MiB.
 */
export const caughtUpUpdate = defineUpdate<void>('caughtUp');

/** A responder action, validated against the incident's state before it is accepted. */
export const actionUpdate = defineUpdate<ActionOutcome, [ActionRequest]>('action');

/**
 * The live incident: status, enrichment, timings, timeline, and its alerts as a bounded selection with
 * exact counts (domain/incident-view.ts), so the answer stays under Temporal's 2 MB in a storm.
 */
export const stateQuery = defineQuery<IncidentView>('state');
