/**
 * Webhook latency benchmark:
 * `npm run bench:webhook -- [--json] [--duration SECONDS] [--rates 100,500,1000] [--payloads NAME,...]
 * [--generator vegeta|node]`.
 *
 * The webhook runs in this process (as in production, logging at info level to /dev/null); the
 * load comes from a separate process over TLS with keep-alive connections, as the API server
 * sends it. Open loop: requests leave on a fixed schedule whatever the answers do. The generator
 * is vegeta when it can be found or built (bench/webhook-vegeta.ts); otherwise our own minimal
 * HTTP/1.1 client in a Node process (latency from the scheduled time, so its timer granularity
 * and pauses count too). The report says which ran. Payloads: the documentation's manifest, a
 * collector with 100 scrape jobs, and the manifest with a config text new on every request. Per
 * run the webhook's own CPU time, event-loop delay and GC pauses are measured in this process.
 * Prints one JSON document.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../src/observability/logger.js';
import { startLocalWebhook } from '../src/webhook/local-webhook.js';
import { TEXT_PLACEHOLDER, requestBody, webhookPayloads } from './webhook-payloads.js';
import { ServerStats, type ServerRunStats } from './webhook-server-stats.js';
import { attack, findVegeta } from './webhook-vegeta.js';

interface LoadPlan {
  url: string;
  ca: string;
  durationSeconds: number;
  rates: number[];
  payloads: { name: string; body: string }[];
}

interface RunResult extends Partial<ServerRunStats> {
  payload: string;
  targetRate: number;
  durationSeconds: number;
  requests: number;
  achievedRate: number;
  errors: number;
  firstError?: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU time of the load generator per request (it shares the 2 cores with the webhook). */
  clientCpuMsPerRequest: number;
  /** Requests of the schedule vegeta had not sent when the run ended (it fell behind). */
  notSent?: number;
  /** TLS connections the Node client had to open during the run (each a handshake on the server). */
  connectionsOpened?: number;
}

/** Run boundaries the Node load generator reports over IPC, so the server's figures cover one run. */
type RunBoundary = { readonly run: 'begin' } | { readonly run: 'end'; readonly requests: number };

function checkParsed(text: string, uid: string): string | undefined {
  try {
    const review = JSON.parse(text) as {
      response?: { uid?: string; allowed?: boolean; patch?: string };
    };
    if (review.response?.uid !== uid) return 'wrong uid';
    if (review.response.allowed !== true) return 'not allowed';
    return review.response.patch === undefined ? 'no patch' : undefined;
  } catch (err) {
    return String(err);
  }
}

function checkText(text: string, uid: string): string | undefined {
  if (!text.includes(`"uid":${JSON.stringify(uid)},"allowed":true`))
    return 'wrong uid or not allowed';
  return text.includes('"patch":"') ? undefined : 'no patch';
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (value: number): number => Math.round(value * 1000) / 1000;
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

async function runLoad(
  rate: number,
  payload: { name: string; body: string },
  seconds: number,
  pool: ReviewConnectionPool,
  measured: boolean,
): Promise<RunResult> {
  const total = Math.round(rate * seconds);
  const intervalNs = 1e9 / rate;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const fail = (message: string): void => {
    errors += 1;
    firstError ??= message;
  };
  const inflight: Promise<void>[] = [];
  const connectionsBefore = connectionsOpened;
  if (measured) process.send?.({ run: 'begin' } satisfies RunBoundary);
  const clientCpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  const send = async (index: number, scheduled: bigint): Promise<void> => {
    const uid = `${payload.name}-${rate}-${index}`;
    try {
      const body = requestBody(payload, uid);
      const reply = await pool.post('/mutate', body);
      latencies.push(Number(process.hrtime.bigint() - scheduled) / 1e6);
      // The first answer of a run is checked in full; the rest by their uid, allowed and patch
      // fields as text, since parsing a 95 KB answer per request would slow this process (on
      // the same 2 cores) and its delays would count as the webhook's latency.
      const problem = index === 0 ? checkParsed(reply.text, uid) : checkText(reply.text, uid);
      if (reply.status !== 200 || problem !== undefined) {
        fail(`status ${reply.status}: ${problem ?? ''} ${reply.text.slice(0, 200)}`);
      }
    } catch (err) {
      fail(String(err));
    }
  };
  let next = 0;
  while (next < total) {
    const now = process.hrtime.bigint();
    while (next < total && start + BigInt(Math.round(next * intervalNs)) <= now) {
      inflight.push(send(next, start + BigInt(Math.round(next * intervalNs))));
      next += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inflight);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (measured) process.send?.({ run: 'end', requests: total } satisfies RunBoundary);
  latencies.sort((a, b) => a - b);
  return {
    payload: payload.name,
    targetRate: rate,
    durationSeconds: round(elapsed),
    requests: total,
    achievedRate: round(total / elapsed),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1] ?? 0),
    clientCpuMsPerRequest: round(cpuMs(process.cpuUsage(clientCpuBefore)) / total),
    connectionsOpened: connectionsOpened - connectionsBefore,
  };
}

let connectionsOpened = 0;

interface Reply {
  readonly status: number;
  readonly text: string;
}

interface Connection {
  readonly socket: TLSSocket;
  /** The answer being awaited; undefined while the connection is idle. */
  pending: ((reply: Reply | Error) => void) | undefined;
  /** The answer's bytes so far, and how many. */
  chunks: Buffer[];
  received: number;
  /** Where the body starts once the headers are in (-1 before), its length and the status. */
  bodyStart: number;
  bodyLength: number;
  status: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * A minimal HTTP/1.1 client over keep-alive TLS connections, one request in flight per
 * connection, as the API server's webhook client holds them. Node's http client spends about as
 * much CPU per request as the webhook itself, and this process shares the 2 cores with it; this
 * one writes a prepared request and reads the answer by its Content-Length.
 */
class ReviewConnectionPool {
  private readonly idle: Connection[] = [];
  private readonly waiting: [string, (reply: Reply | Error) => void][] = [];
  private readonly all = new Set<Connection>();

  constructor(
    private readonly url: URL,
    private readonly ca: string,
    private readonly maxConnections: number,
  ) {}

  post(path: string, body: string): Promise<Reply> {
    const request = `POST ${path} HTTP/1.1\r\nHost: ${this.url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise((resolve, reject) => {
      const done = (reply: Reply | Error): void => {
        if (reply instanceof Error) reject(reply);
        else resolve(reply);
      };
      const connection = this.idle.pop() ?? this.open();
      if (connection === undefined) this.waiting.push([request, done]);
      else this.send(connection, request, done);
    });
  }

  close(): void {
    for (const connection of this.all) connection.socket.destroy();
  }

  private send(
    connection: Connection,
    request: string,
    done: (reply: Reply | Error) => void,
  ): void {
    connection.pending = done;
    connection.socket.write(request);
  }

  private open(): Connection | undefined {
    if (this.all.size >= this.maxConnections) return undefined;
    connectionsOpened += 1;
    const socket = tlsConnect({
      host: this.url.hostname,
      port: Number(this.url.port),
      ca: this.ca,
    });
    // As the API server's Go client (Go's default): no Nagle delay on the last segment.
    socket.setNoDelay(true);
    const connection: Connection = {
      socket,
      pending: undefined,
      chunks: [],
      received: 0,
      bodyStart: -1,
      bodyLength: 0,
      status: 0,
    };
    this.all.add(connection);
    socket.on('data', (chunk: Buffer) => this.receive(connection, chunk));
    const fail = (err: Error): void => {
      this.all.delete(connection);
      const index = this.idle.indexOf(connection);
      if (index >= 0) this.idle.splice(index, 1);
      const pending = connection.pending;
      connection.pending = undefined;
      pending?.(err);
      // A request waiting for a connection gets a fresh one in place of this one.
      const next = this.waiting.shift();
      if (next === undefined) return;
      const replacement = this.open();
      if (replacement === undefined) this.waiting.unshift(next);
      else this.send(replacement, next[0], next[1]);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the connection closed')));
    return connection;
  }

  private receive(connection: Connection, chunk: Buffer): void {
    connection.chunks.push(chunk);
    connection.received += chunk.length;
    if (connection.bodyStart < 0) {
      // Headers are small: they sit in the first chunk or two.
      const head = connection.chunks.length === 1 ? chunk : Buffer.concat(connection.chunks);
      connection.chunks = [head];
      const headerEnd = head.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const text = head.subarray(0, headerEnd).toString('latin1');
      connection.status = Number(text.slice(9, 12));
      connection.bodyLength = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? NaN);
      connection.bodyStart = headerEnd + HEADER_END.length;
      if (!Number.isFinite(connection.bodyLength)) {
        connection.socket.destroy(new Error(`an answer without Content-Length: ${text}`));
        return;
      }
    }
    const end = connection.bodyStart + connection.bodyLength;
    if (!(connection.received >= end)) return;
    const whole =
      connection.chunks.length === 1 ? connection.chunks[0]! : Buffer.concat(connection.chunks);
    const text = whole.subarray(connection.bodyStart, end).toString('utf8');
    const rest = whole.subarray(end);
    const status = connection.status;
    connection.chunks = rest.length === 0 ? [] : [rest];
    connection.received = rest.length;
    connection.bodyStart = -1;
    const pending = connection.pending;
    connection.pending = undefined;
    const next = this.waiting.shift();
    if (next === undefined) this.idle.push(connection);
    else this.send(connection, next[0], next[1]);
    pending?.({ status, text });
  }
}

/** The load generator, in its own process: reads the plan on stdin, prints results on stdout. */
async function loadGenerator(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const plan = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LoadPlan;
  const pool = new ReviewConnectionPool(new URL(plan.url), plan.ca, 64);
  const results: RunResult[] = [];
  for (const payload of plan.payloads) {
    await runLoad(200, payload, 1, pool, false); // warm-up: JIT, TLS sessions, connection pool
    for (const rate of plan.rates)
      results.push(await runLoad(rate, payload, plan.durationSeconds, pool, true));
  }
  pool.close();
  process.stdout.write(JSON.stringify(results));
}

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

const GOAL_PAYLOADS = ['documentation-manifest', '100-job-config'];

/**
 * A young-generation GC of this process (`gc` exposed at run time, since the script runs without
 * flags). Not a full one: right after a forced mark-compact V8 set the old generation's limit so
 * close to the live heap that, with the young generation grown by the previous runs, it started
 * incremental marking every 100-200 ms through the next run (65 starts in a run of two payloads
 * against 17 without the forced GC; 100-job-config at 500 req/s: GC 135 ms against 19 ms).
 */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as (options: { type: 'minor' }) => void)({ type: 'minor' });
}

function goalMet(results: readonly RunResult[]): boolean | null {
  const judged = results.filter((r) => r.targetRate === 500 && GOAL_PAYLOADS.includes(r.payload));
  return judged.length === 0 ? null : judged.every((r) => r.p99Ms <= 5 && r.errors === 0);
}

/** Our Node client in a child process; it reports each measured run's start and end over IPC. */
async function nodeGenerator(plan: LoadPlan, stats: ServerStats): Promise<RunResult[]> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--load-generator'], {
    stdio: ['pipe', 'pipe', 'inherit', 'ipc'],
  });
  const serverStats: ServerRunStats[] = [];
  child.on('message', (message: RunBoundary) => {
    if (message.run === 'begin') stats.begin();
    else serverStats.push(stats.end(message.requests));
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin?.end(JSON.stringify(plan));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the load generator exited with ${code}`);
  return (JSON.parse(output) as RunResult[]).map((result, index) => ({
    ...result,
    ...serverStats[index],
  }));
}

/** vegeta, one attack per run; a warm-up attack per payload first, as the Node client does. */
async function vegetaGenerator(
  vegeta: string,
  plan: LoadPlan,
  directory: string,
  stats: ServerStats,
): Promise<RunResult[]> {
  const caFile = join(directory, 'bench-ca.pem');
  await writeFile(caFile, plan.ca);
  const results: RunResult[] = [];
  for (const payload of plan.payloads) {
    const newText = payload.body.includes(TEXT_PLACEHOLDER);
    /** Answers kept whole (and the first parsed) in the warm-up; then their first KiB. */
    const once = async (rate: number, seconds: number, whole = false): Promise<RunResult> => {
      const warmUpSeconds = whole ? 0 : 1;
      const total = Math.round(rate * (seconds + warmUpSeconds));
      const measured = Math.round(rate * seconds);
      // One target per request when each must carry a text of its own; else one, sent repeatedly.
      const targets = Array.from({ length: newText ? total : 1 }, (_, index) => {
        const uid = `${payload.name}-${rate}-${index}`;
        return {
          uid,
          body: requestBody(payload, uid),
        };
      });
      const uids = new Set(targets.map((target) => target.uid));
      let server: ServerRunStats | undefined;
      // This process read and checked the previous run's results: its young garbage is collected
      // now rather than during this run, charged to the webhook.
      collectGarbage();
      const outcome = await attack(
        vegeta,
        {
          url: plan.url,
          caFile,
          rate,
          seconds,
          warmUpSeconds,
          targets,
          ...(whole ? {} : { keptBodyBytes: 1024 }),
        },
        (status, body, index) => {
          const uid = /"uid":"([^"]*)"/.exec(body)?.[1] ?? '';
          if (status !== 200 || !uids.has(uid)) return `status ${status}, uid ${uid}`;
          return whole && index === 0 ? checkParsed(body, uid) : checkText(body, uid);
        },
        // The server's figures cover the measured part of the load only, not reading the results.
        { onMeasuring: () => stats.begin(), onLoadEnd: () => (server = stats.end(measured)) },
      );
      const latencies = outcome.latenciesMs.sort((a, b) => a - b);
      return {
        payload: payload.name,
        targetRate: rate,
        durationSeconds: round(outcome.durationSeconds),
        requests: outcome.requests,
        achievedRate: round(outcome.achievedRate),
        errors: outcome.errors,
        // Requests vegeta did not send by the end of the run (it fell behind): not answers.
        notSent: Math.max(0, total - outcome.sent),
        ...(outcome.firstError === undefined ? {} : { firstError: outcome.firstError }),
        p50Ms: round(percentile(latencies, 50)),
        p99Ms: round(percentile(latencies, 99)),
        maxMs: round(latencies[latencies.length - 1] ?? 0),
        clientCpuMsPerRequest: round(outcome.clientCpuMsPerRequest),
        ...server,
      };
    };
    const warmUp = await once(200, 1, true); // JIT, TLS sessions, connections
    if (warmUp.errors > 0) throw new Error(`the warm-up failed: ${warmUp.firstError ?? ''}`);
    for (const rate of plan.rates) results.push(await once(rate, plan.durationSeconds));
  }
  return results;
}

async function main(): Promise<void> {
  const durationSeconds = Number(flag('--duration') ?? '5');
  const rates = (flag('--rates') ?? '100,500,1000').split(',').map(Number);
  const selected = flag('--payloads')?.split(',');
  // Synchronous writes, as pino's default stdout destination does in production.
  const logger = createLogger(
    { level: 'info', name: 'otel-ta-webhook' },
    pino.destination({ dest: '/dev/null', sync: true }) as unknown as NodeJS.WritableStream,
  );
  const webhook = await startLocalWebhook({ logger });
  const plan: LoadPlan = {
    url: webhook.url,
    ca: webhook.ca.certPem,
    durationSeconds,
    rates,
    payloads: webhookPayloads().filter(
      (payload) => selected === undefined || selected.includes(payload.name),
    ),
  };
  const generator = flag('--generator') ?? 'vegeta';
  if (generator !== 'vegeta' && generator !== 'node') {
    throw new Error(`--generator is ${generator}; use vegeta or node`);
  }
  const vegeta = generator === 'vegeta' ? await findVegeta() : undefined;
  const stats = new ServerStats();
  let results: RunResult[];
  try {
    results =
      vegeta === undefined
        ? await nodeGenerator(plan, stats)
        : await vegetaGenerator(vegeta, plan, webhook.directory, stats);
  } finally {
    await webhook.stop();
  }
  const report = {
    benchmark: 'webhook',
    transport: 'HTTPS (TLS 1.3), keep-alive, separate client process, open loop',
    generator:
      vegeta === undefined
        ? 'node (our HTTP/1.1 client; latency from the scheduled send time)'
        : 'vegeta v12.13.0 (HTTP/1.1; latency from the send to the end of the answer)',
    node: process.version,
    cpus: cpus().length,
    loadAverageAtEnd: loadavg().map(round),
    goal: 'p99 <= 5 ms at 500 req/s with zero errors',
    // The goal names these two payloads; the new-text one shows the uncached rewrite.
    goalPayloads: GOAL_PAYLOADS,
    goalMet: goalMet(results),
    results,
  };
  process.stdout.write(
    `${JSON.stringify(report, null, process.argv.includes('--json') ? undefined : 2)}\n`,
  );
}

if (process.argv.includes('--load-generator')) await loadGenerator();
else await main();
