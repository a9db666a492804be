// The storm's senders, in a worker thread of their own: like a real Alertmanager fleet, they must not
// share Firebreak's event loop, or the benchmark would measure the senders as much as the engine.
import { Agent, request } from 'node:http';
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
  const queue = [...input.bodies];
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const startedAt = Date.now();
  // Plain keep-alive HTTP: lighter than fetch, so the load generator takes less CPU from Firebreak.
  const agent = new Agent({ keepAlive: true, maxSockets: input.senders });
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        input.url,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${input.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const sender = async () => {
    for (let body = queue.pop(); body !== undefined; body = queue.pop()) {
      const sent = Date.now();
      const status = await post(body);
      latencies.push(Date.now() - sent);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: input.senders }, sender));
  return { startedAt, finishedAt: Date.now(), latencies, statuses };
}

void send(workerData as SendersInput).then((output) => parentPort?.postMessage(output));
