// What every stand-in shares: a Fastify server on loopback that records each request it received,
// can be told to fail (scripted faults, for tests and for trying Firebreak's retries by hand), and
// exposes both under /_sandbox so a person or another process can see what Firebreak sent.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

export interface ReceivedRequest {
  at: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** A scripted failure: the next `times` matching requests get this answer instead of the real one. */
export interface Fault {
  method?: string;
  /** Matches when the request path starts with this prefix (no query string). */
  pathPrefix: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Delay before answering (also usable with status 0 = "just be slow, then answer normally"). */
  delayMs?: number;
  /**
   * With status 0: handle the request at once (it takes effect, as a vendor that received it would), and
   * hold only the answer this long, as when the answer is lost on its way back.
   */
  answerDelayMs?: number;
  times: number;
}

export interface StandInOptions {
  name: string;
  https?: { key: string; cert: string };
  /** Largest body accepted, in bytes (default 1 MiB). */
  bodyLimit?: number;
}

export class StandIn {
  readonly name: string;
  readonly app: FastifyInstance;
  readonly received: ReceivedRequest[] = [];
  private faults: Fault[] = [];
  private onReset: Array<() => void> = [];
  /** Requests whose answer a fault holds back (answerDelayMs), with how long. */
  private readonly heldAnswers = new WeakMap<FastifyRequest, number>();
  private address?: string;

  constructor(options: StandInOptions) {
    this.name = options.name;
    this.app = Fastify({
      logger: false,
      bodyLimit: options.bodyLimit ?? 1024 * 1024,
      ...(options.https ? { https: options.https } : {}),
    }) as unknown as FastifyInstance;
    this.app.addHook('onRequest', async (request, reply) => this.applyFault(request, reply));
    this.app.addHook('preHandler', async (request) => this.record(request));
    this.app.addHook('onSend', async (request, _reply, payload) => {
      const holdMs = this.heldAnswers.get(request);
      if (holdMs) await new Promise((resolve) => setTimeout(resolve, holdMs));
      return payload;
    });
    this.registerControlRoutes();
  }

  /** Starts listening on 127.0.0.1 (port 0 = any free port) and returns the base URL. */
  async listen(port = 0): Promise<string> {
    this.address = await this.app.listen({ host: '127.0.0.1', port });
    return this.address;
  }

  get url(): string {
    if (!this.address) throw new Error(`${this.name} stand-in is not listening`);
    return this.address;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  addFault(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /** Registers state to clear on reset (each stand-in's own records). */
  onResetClear(clear: () => void): void {
    this.onReset.push(clear);
  }

  reset(): void {
    this.received.length = 0;
    this.faults = [];
    for (const clear of this.onReset) clear();
  }

  requests(method: string, pathPrefix: string): ReceivedRequest[] {
    return this.received.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  private record(request: FastifyRequest): void {
    const path = request.url.split('?')[0] ?? request.url;
    if (path.startsWith('/_sandbox')) return;
    this.received.push({
      at: new Date().toISOString(),
      method: request.method,
      path,
      query: (request.query ?? {}) as Record<string, unknown>,
      headers: request.headers,
      body: request.body,
    });
  }

  private async applyFault(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = request.url.split('?')[0] ?? request.url;
    const fault = this.faults.find(
      (f) => f.times > 0 && path.startsWith(f.pathPrefix) && (!f.method || f.method === request.method),
    );
    if (!fault) return;
    fault.times -= 1;
    if (fault.answerDelayMs) this.heldAnswers.set(request, fault.answerDelayMs);
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.status === 0) return;
    this.received.push({
      at: new Date().toISOString(),
      method: request.method,
      path,
      query: (request.query ?? {}) as Record<string, unknown>,
      headers: request.headers,
      body: `(fault ${fault.status})`,
    });
    reply.code(fault.status).headers(fault.headers ?? {});
    await reply.send(fault.body ?? '');
  }

  private registerControlRoutes(): void {
    this.app.get('/_sandbox/received', async () => ({ standIn: this.name, received: this.received }));
    this.app.post('/_sandbox/faults', async (request, reply) => {
      const fault = request.body as Fault;
      if (!fault || typeof fault.pathPrefix !== 'string' || typeof fault.status !== 'number') {
        return reply.code(400).send({ error: 'a fault needs pathPrefix (string) and status (number)' });
      }
      this.addFault({ ...fault, times: fault.times ?? 1 });
      return reply.code(204).send();
    });
    this.app.post('/_sandbox/reset', async (_request, reply) => {
      this.reset();
      return reply.code(204).send();
    });
  }
}

/** Base of the vendor stand-ins: the lifecycle and controls every one of them exposes. */
export abstract class VendorStandIn {
  constructor(readonly standIn: StandIn) {}

  get url(): string {
    return this.standIn.url;
  }

  get received(): ReceivedRequest[] {
    return this.standIn.received;
  }

  listen(port = 0): Promise<string> {
    return this.standIn.listen(port);
  }

  close(): Promise<void> {
    return this.standIn.close();
  }

  /** Forgets what was received, the scripted faults and the stand-in's own records. */
  reset(): void {
    this.standIn.reset();
  }

  addFault(fault: Fault): void {
    this.standIn.addFault(fault);
  }

  requests(method: string, pathPrefix: string): ReceivedRequest[] {
    return this.standIn.requests(method, pathPrefix);
  }
}
