// Entry point the worker bundles: every workflow Firebreak runs.
export { incidentWorkflow } from './incident';
export { freezeWorkflow } from './freeze';
