// The storm's senders, in a worker thread of their own: like a real Alertmanager fleet, they must not
// share Firebreak's event loop, or the benchmark would measure the senders as much as the engine.
// Each sender is one keep-alive connection that posts a notification and waits for its answer before the
// next, as Alertmanager does. Requests are written as prepared bytes and answers read by their status
// line and Content-Length: a full HTTP client costs ~0.3 ms of CPU per request, which on this 2-core
// machine would be taken from Firebreak and measured as Firebreak's.
import { connect, type Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

interface SendersInput {
  url: string;
  token: string;
  bodies: string[];
  senders: number;
}

export interface SendersOutput {
  startedAt: number;
  finishedAt: number;
  latencies: number[];
  statuses: Record<string, number>;
}

async function send(input: SendersInput): Promise<SendersOutput> {
  const url = new URL(input.url);
  const head = (length: number) =>
    `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: Bearer ${input.token}\r\n` +
    `content-type: application/json\r\ncontent-length: ${length}\r\nconnection: keep-alive\r\n\r\n`;
  const requests = input.bodies.map((body) => Buffer.from(head(Buffer.byteLength(body)) + body));
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const startedAt = Date.now();
  const sender = async () => {
    const connection = await Connection.open(Number(url.port), url.hostname);
    for (let request = requests.pop(); request !== undefined; request = requests.pop()) {
      const sent = Date.now();
      const status = await connection.exchange(request);
      latencies.push(Date.now() - sent);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    connection.close();
  };
  await Promise.all(Array.from({ length: input.senders }, sender));
  return { startedAt, finishedAt: Date.now(), latencies, statuses };
}

/** One keep-alive connection: one request at a time, its answer's status returned once fully read. */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: ((status: number) => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
      this.answerIfComplete();
    });
  }

  static open(port: number, host: string): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, noDelay: true }, () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  exchange(request: Buffer): Promise<number> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.end();
  }

  private answerIfComplete(): void {
    const headEnd = this.buffered.indexOf('\r\n\r\n');
    if (headEnd < 0 || !this.waiting) return;
    const head = this.buffered.subarray(0, headEnd).toString('latin1');
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffered.length < headEnd + 4 + length) return;
    this.buffered = this.buffered.subarray(headEnd + 4 + length);
    const answered = this.waiting;
    this.waiting = null;
    answered(Number(head.slice(9, 12)));
  }
}

void send(workerData as SendersInput).then((output) => parentPort?.postMessage(output));
