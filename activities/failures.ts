// Turns a vendor failure into the retry decision Temporal should make: IntegrationError says whether
// a retry can help and how long the vendor asked us to wait.
import { ApplicationFailure } from '@temporalio/common';
import { IntegrationError } from '../integrations/errors';

export async function callVendor<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toActivityFailure(error);
  }
}

export function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof IntegrationError)) return error;
  return ApplicationFailure.create({
    type: `IntegrationError.${error.vendor}`,
    message: error.message,
    nonRetryable: !error.retryable,
    ...(error.retryAfterMs !== undefined ? { nextRetryDelay: error.retryAfterMs } : {}),
    // The wait again in details: a failure's nextRetryDelay does not reach workflow code.
    details: [
      { status: error.status ?? null, code: error.code ?? null, retryAfterMs: error.retryAfterMs ?? null },
    ],
  });
}

/** A configuration gap no retry can fix. */
export function notConfigured(what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(what, 'NotConfigured');
}
