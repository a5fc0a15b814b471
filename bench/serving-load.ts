import { connect, type Socket } from 'node:net';
import { LatencyHistogram } from './latency-histogram.js';

/**
 * An open-loop load generator for the allocator's routes, on raw keep-alive sockets: requests are
 * issued at a fixed rate whatever the server's speed (as collectors poll on their own clocks),
 * one connection per client, one request in flight per connection (a client whose previous
 * answer has not come back queues the next one). A Node HTTP client would spend more CPU than the
 * server under test on these 2 cores; this one writes a request line and counts the answer's bytes.
 */
export interface PacedRequest {
  /** Which connection (client) sends it. */
  readonly connection: number;
  readonly path: string;
}

export interface PacedLoadOptions {
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  /** Requests per second over all connections. */
  readonly rate: number;
  readonly durationMs: number;
  /** The n-th request of the run (n from 0). */
  readonly request: (n: number) => PacedRequest;
}

export interface PacedLoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly bytes: number;
  readonly seconds: number;
  /** Latency from the request's write to its answer's last byte. */
  readonly latency: LatencyHistogram;
  /** Latency from the time the request was due (includes queueing behind a slow answer). */
  readonly latencyFromDue: LatencyHistogram;
}

const HEADER_END = Buffer.from('\r\n\r\n');

interface Totals {
  requests: number;
  errors: number;
  non2xx: number;
  bytes: number;
  readonly latency: LatencyHistogram;
  readonly latencyFromDue: LatencyHistogram;
}

/** One keep-alive connection: sends queued requests one at a time and times their answers. */
class Client {
  private socket: Socket | undefined;
  private readonly queue: { path: string; dueNs: bigint }[] = [];
  private inFlight: { dueNs: bigint; sentNs: bigint } | undefined;
  private head: Buffer = Buffer.alloc(0);
  private bodyRemaining = -1;
  private status = 0;

  constructor(
    private readonly options: PacedLoadOptions,
    private readonly totals: Totals,
  ) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.options.host, port: this.options.port, noDelay: true });
      socket.once('connect', () => resolve());
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', () => {
        this.totals.errors++;
      });
      this.socket = socket;
    });
  }

  enqueue(path: string, dueNs: bigint): void {
    this.queue.push({ path, dueNs });
    if (this.inFlight === undefined) this.sendNext();
  }

  close(): void {
    this.socket?.destroy();
  }

  private sendNext(): void {
    const next = this.queue.shift();
    if (next === undefined || this.socket === undefined) return;
    this.head = Buffer.alloc(0);
    this.bodyRemaining = -1;
    this.inFlight = { dueNs: next.dueNs, sentNs: process.hrtime.bigint() };
    this.socket.write(`GET ${next.path} HTTP/1.1\r\nHost: ${this.options.host}\r\n\r\n`);
  }

  private onData(chunk: Buffer): void {
    this.totals.bytes += chunk.length;
    if (this.bodyRemaining < 0) {
      this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      const end = this.head.indexOf(HEADER_END);
      if (end < 0) return;
      const text = this.head.toString('latin1', 0, end);
      this.status = Number(text.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      this.bodyRemaining = (length ? Number(length[1]) : 0) - (this.head.length - end - 4);
    } else {
      this.bodyRemaining -= chunk.length;
    }
    if (this.bodyRemaining <= 0) this.complete();
  }

  private complete(): void {
    const now = process.hrtime.bigint();
    const flight = this.inFlight;
    this.inFlight = undefined;
    if (flight !== undefined) {
      this.totals.requests++;
      if (this.status < 200 || this.status > 299) this.totals.non2xx++;
      this.totals.latency.record(Number(now - flight.sentNs) / 1000);
      this.totals.latencyFromDue.record(Number(now - flight.dueNs) / 1000);
    }
    this.sendNext();
  }
}

/** Opens the connections, issues `rate` requests per second for `durationMs`, waits for the answers. */
export async function runPacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const totals: Totals = {
    requests: 0,
    errors: 0,
    non2xx: 0,
    bytes: 0,
    latency: new LatencyHistogram(),
    latencyFromDue: new LatencyHistogram(),
  };
  const clients = Array.from({ length: options.connections }, () => new Client(options, totals));
  // Open gradually: a thousand SYNs at once overflow a small accept backlog and cost retries.
  for (let i = 0; i < clients.length; i += 50) {
    await Promise.all(clients.slice(i, i + 50).map((c) => c.open()));
  }
  const intervalNs = BigInt(Math.round(1e9 / options.rate));
  const total = Math.floor((options.rate * options.durationMs) / 1000);
  const startNs = process.hrtime.bigint();
  let issued = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = process.hrtime.bigint();
      while (issued < total) {
        const dueNs = startNs + BigInt(issued) * intervalNs;
        if (dueNs > now) break;
        const { connection, path } = options.request(issued);
        clients[connection % clients.length]!.enqueue(path, dueNs);
        issued++;
      }
      if (issued >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  // The last answers: wait until every issued request was answered, at most 5 s.
  const deadline = Date.now() + 5000;
  while (totals.requests + totals.errors < total && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  for (const c of clients) c.close();
  return { ...totals, seconds };
}
