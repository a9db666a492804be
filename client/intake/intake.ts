// What every alert source shares: the settings intake needs and the error it answers with.

export interface IntakeSettings {
  services: Set<string>;
  serviceLabel: string;
  severityLabel: string;
  defaultService?: string;
}

/** A refusal that names the problem; the API turns it into a 4xx with this code and message. */
export class IntakeError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'IntakeError';
  }
}
