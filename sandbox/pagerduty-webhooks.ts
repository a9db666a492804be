// The stand-in PagerDuty's v3 webhook deliveries (contracts/pagerduty.md §3): one event per POST,
// signed `v1=<hex HMAC-SHA256>` with every active secret (several while rotating), `X-Webhook-Id`
// the same on every retry, retried on 5xx/429/timeouts, one subscription's webhooks in order. Tests
// also use it to send what PagerDuty would never send on its own: forgeries and very late retries.
import { createHmac, randomUUID } from 'node:crypto';

export interface WebhookSubscription {
  id: string;
  url: string;
  secrets: string[];
  /** Event types delivered; empty = all. */
  events: string[];
}

export interface WebhookAttempt {
  at: string;
  /** HTTP status, or null when there was no answer (refused, timed out). */
  status: number | null;
  error?: string;
}

export interface WebhookDelivery {
  webhookId: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  /** The exact bytes sent, so a retry sends the same. */
  body: string;
  attempts: WebhookAttempt[];
  /** Status of the last attempt. */
  status: number | null;
}

export interface WebhookSenderOptions {
  /** Attempts per delivery before giving up (PagerDuty keeps trying for 48 h). */
  maxAttempts: number;
  retryDelayMs: number;
  now: () => Date;
}

/** PagerDuty expects an answer within 5 s (§3.4). */
const DELIVERY_TIMEOUT_MS = 5000;

export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly subscriptions: WebhookSubscription[] = [];
  /** Deliveries go out one at a time, in order, as PagerDuty queues them per subscription. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: WebhookSenderOptions) {}

  subscribe(url: string, secrets: string[], events: string[] = []): WebhookSubscription {
    const subscription = { id: `PWHS${this.subscriptions.length + 1}`, url, secrets: [...secrets], events };
    this.subscriptions.push(subscription);
    return subscription;
  }

  unsubscribe(subscriptionId: string): void {
    const index = this.subscriptions.findIndex((s) => s.id === subscriptionId);
    if (index >= 0) this.subscriptions.splice(index, 1);
  }

  /** Secret rotation: while both are listed, every delivery carries one signature per secret. */
  setSecrets(subscriptionId: string, secrets: string[]): void {
    const subscription = this.subscriptions.find((s) => s.id === subscriptionId);
    if (!subscription) throw new Error(`no webhook subscription ${subscriptionId}`);
    subscription.secrets = [...secrets];
  }

  /** Delivers an event to every subscription that wants it; resolves once each has its answer. */
  send(event: { id: string; event_type: string; [field: string]: unknown }): Promise<WebhookDelivery[]> {
    const body = JSON.stringify({ event });
    const wanted = this.subscriptions.filter(
      (s) => s.events.length === 0 || s.events.includes(event.event_type),
    );
    const deliveries = wanted.map((subscription) => {
      const delivery: WebhookDelivery = {
        webhookId: randomUUID(),
        eventId: event.id,
        eventType: event.event_type,
        subscriptionId: subscription.id,
        body,
        attempts: [],
        status: null,
      };
      this.deliveries.push(delivery);
      return delivery;
    });
    return this.enqueue(async () => {
      for (const delivery of deliveries) await this.deliverWithRetries(delivery);
      return deliveries;
    });
  }

  /** The same webhook again (same X-Webhook-Id and body): a duplicate, or a retry hours later. */
  redeliver(webhookId: string): Promise<WebhookDelivery> {
    const delivery = this.find(webhookId);
    return this.enqueue(async () => {
      await this.attempt(delivery, this.signature(this.subscriptionOf(delivery).secrets, delivery.body));
      return delivery;
    });
  }

  /** The same body signed with another secret, or with `signature` as the header (null: none). */
  forge(webhookId: string, forgery: { secret?: string; signature?: string | null }): Promise<number | null> {
    const delivery = this.find(webhookId);
    const header =
      forgery.signature !== undefined
        ? forgery.signature
        : this.signature([forgery.secret ?? 'not-the-secret'], delivery.body);
    return this.enqueue(() => this.post(this.subscriptionOf(delivery).url, delivery, header)).then(
      (a) => a.status,
    );
  }

  /** Waits for every delivery queued so far. */
  async settled(): Promise<void> {
    await this.queue;
  }

  clear(): void {
    this.deliveries.length = 0;
  }

  private async deliverWithRetries(delivery: WebhookDelivery): Promise<void> {
    const subscription = this.subscriptionOf(delivery);
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt += 1) {
      const status = await this.attempt(delivery, this.signature(subscription.secrets, delivery.body));
      // Retried: no answer, 429 and 5xx. Any other answer, 2xx or 4xx, ends the delivery (§3.4).
      if (status !== null && status !== 429 && status < 500) return;
      if (attempt < this.options.maxAttempts) await sleep(this.options.retryDelayMs);
    }
  }

  private async attempt(delivery: WebhookDelivery, signature: string): Promise<number | null> {
    const result = await this.post(this.subscriptionOf(delivery).url, delivery, signature);
    delivery.attempts.push(result);
    delivery.status = result.status;
    return result.status;
  }

  private async post(
    url: string,
    delivery: WebhookDelivery,
    signature: string | null,
  ): Promise<WebhookAttempt> {
    const at = this.options.now().toISOString();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'PagerDuty-Webhook/V3.0',
          'x-webhook-id': delivery.webhookId,
          ...(signature !== null ? { 'x-pagerduty-signature': signature } : {}),
        },
        body: delivery.body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      return { at, status: response.status };
    } catch (error) {
      return { at, status: null, error: (error as Error).message };
    }
  }

  private signature(secrets: string[], body: string): string {
    return secrets.map((secret) => `v1=${createHmac('sha256', secret).update(body).digest('hex')}`).join(',');
  }

  private find(webhookId: string): WebhookDelivery {
    const delivery = this.deliveries.find((d) => d.webhookId === webhookId);
    if (!delivery) throw new Error(`no webhook ${webhookId} was delivered`);
    return delivery;
  }

  private subscriptionOf(delivery: WebhookDelivery): WebhookSubscription {
    const subscription = this.subscriptions.find((s) => s.id === delivery.subscriptionId);
    if (!subscription) throw new Error(`no webhook subscription ${delivery.subscriptionId}`);
    return subscription;
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
