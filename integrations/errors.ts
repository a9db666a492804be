// One error type for every vendor call, so activities can turn it into the right Temporal retry
// decision without knowing the vendor: retryable or not, and how long the vendor asked us to wait.

export type Vendor = 'pagerduty' | 'github' | 'jenkins' | 'slack' | 'email' | 'jira';

export interface IntegrationErrorDetails {
  vendor: Vendor;
  /** HTTP status (or SMTP response code) when the vendor answered at all. */
  status?: number;
  /** Vendor error code, e.g. Slack's `no_service` or nodemailer's `EAUTH`. */
  code?: string;
  /** False for answers that will not change on retry (bad credentials, validation errors, 404). */
  retryable: boolean;
  /** How long the vendor asked us to wait (Retry-After, ratelimit-reset), when it said. */
  retryAfterMs?: number;
}

export class IntegrationError extends Error {
  readonly vendor: Vendor;
  readonly status?: number;
  readonly code?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, details: IntegrationErrorDetails) {
    super(message);
    this.name = 'IntegrationError';
    this.vendor = details.vendor;
    this.status = details.status;
    this.code = details.code;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The usual HTTP reading: 408, 429 and 5xx may succeed later; other 4xx will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
