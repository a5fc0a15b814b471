/**
 * The webhook's CPU time per admission request, by payload:
 * `tsx bench/webhook-cpu.ts [--requests N] [--payloads NAME,...]`.
 *
 * The webhook runs in this process; a client process sends the requests one after another over
 * one keep-alive TLS connection (the next leaves when the answer is in), so the two never run at
 * once and this process's CPU time (process.cpuUsage) over the measured requests is the webhook's
 * own: TLS, HTTP, the admission, the answer and the GC. Also reports the GC pauses. Profile the
 * webhook with `node --cpu-prof --import tsx bench/webhook-cpu.ts`. Prints one JSON document.
 */
import { fork } from 'node:child_process';
import { connect } from 'node:tls';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createLogger } from '../src/observability/logger.js';
import { startLocalWebhook } from '../src/webhook/local-webhook.js';
import { requestBody, webhookPayloads, type Payload } from './webhook-payloads.js';

interface ClientPlan {
  readonly url: string;
  readonly ca: string;
  readonly payload: Payload;
  readonly warmUp: number;
  readonly requests: number;
}

type ClientMessage = { readonly phase: 'measure' } | { readonly phase: 'done' };

const HEADER_END = Buffer.from('\r\n\r\n');

/** Sends the plan's requests in sequence; tells the parent when the measured part starts and ends. */
async function client(plan: ClientPlan): Promise<void> {
  const url = new URL(plan.url);
  const socket = connect({ host: url.hostname, port: Number(url.port), ca: plan.ca });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  let buffered: Buffer = Buffer.alloc(0);
  let waiter: ((text: string) => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const headerEnd = buffered.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = buffered.subarray(0, headerEnd).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
    const end = headerEnd + 4 + length;
    if (buffered.length < end) return;
    const text = buffered.subarray(headerEnd + 4, end).toString('utf8');
    buffered = buffered.subarray(end);
    const done = waiter;
    waiter = undefined;
    done?.(text);
  });
  const post = (body: string): Promise<string> =>
    new Promise((resolve) => {
      waiter = resolve;
      socket.write(
        `POST /mutate HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  const send = async (index: number): Promise<void> => {
    const uid = `${plan.payload.name}-${index}`;
    const text = await post(requestBody(plan.payload, uid));
    if (!text.includes(`"uid":"${uid}","allowed":true`) || !text.includes('"patch":"'))
      throw new Error(`unexpected answer: ${text.slice(0, 300)}`);
  };
  for (let i = 0; i < plan.warmUp; i++) await send(i);
  const tell = (message: ClientMessage): Promise<void> =>
    new Promise((resolve) => process.send?.(message, undefined, undefined, () => resolve()));
  await tell({ phase: 'measure' });
  for (let i = 0; i < plan.requests; i++) await send(plan.warmUp + i);
  await tell({ phase: 'done' });
  socket.end();
}

function flag(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

async function main(): Promise<void> {
  const requests = Number(flag('--requests') ?? '2000');
  const selected = flag('--payloads')?.split(',');
  const logger = createLogger(
    { level: 'info', name: 'otel-ta-webhook' },
    pino.destination({ dest: '/dev/null', sync: true }) as unknown as NodeJS.WritableStream,
  );
  const webhook = await startLocalWebhook({ logger });
  const results: Record<string, unknown>[] = [];
  try {
    for (const payload of webhookPayloads()) {
      if (selected !== undefined && !selected.includes(payload.name)) continue;
      const plan: ClientPlan = {
        url: webhook.url,
        ca: webhook.ca.certPem,
        payload,
        warmUp: 500,
        requests,
      };
      const child = fork(fileURLToPath(import.meta.url), ['--client'], {
        execArgv: ['--import', 'tsx'],
        stdio: ['pipe', 'inherit', 'inherit', 'ipc'],
      });
      child.stdin?.end(JSON.stringify(plan));
      let cpuBefore: NodeJS.CpuUsage = { user: 0, system: 0 };
      let startNs = 0n;
      const pauses: number[] = [];
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) pauses.push(entry.duration);
      });
      const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
        child.on('message', (message: ClientMessage) => {
          if (message.phase === 'measure') {
            observer.observe({ entryTypes: ['gc'] });
            cpuBefore = process.cpuUsage();
            startNs = process.hrtime.bigint();
            return;
          }
          const cpu = process.cpuUsage(cpuBefore);
          const wallMs = Number(process.hrtime.bigint() - startNs) / 1e6;
          for (const entry of observer.takeRecords()) pauses.push(entry.duration);
          observer.disconnect();
          resolve({
            payload: payload.name,
            requestBytes: Buffer.byteLength(requestBody(payload, `${payload.name}-0`)),
            requests,
            serverCpuMsPerRequest: round((cpu.user + cpu.system) / 1000 / requests),
            serverUserMsPerRequest: round(cpu.user / 1000 / requests),
            serverSystemMsPerRequest: round(cpu.system / 1000 / requests),
            wallMsPerRequest: round(wallMs / requests),
            gcPauses: pauses.length,
            gcMsPerRequest: round(pauses.reduce((sum, pause) => sum + pause, 0) / requests),
            gcMaxMs: round(pauses.reduce((max, pause) => Math.max(max, pause), 0)),
          });
        });
        child.on('exit', (code) => {
          if (code !== 0) reject(new Error(`the client exited with ${code}`));
        });
      });
      results.push(result);
      await new Promise((resolve) => child.once('exit', resolve));
    }
  } finally {
    await webhook.stop();
  }
  process.stdout.write(
    `${JSON.stringify({ benchmark: 'webhook-cpu', node: process.version, results })}\n`,
  );
}

if (process.argv.includes('--client')) {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  await client(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ClientPlan);
} else {
  await main();
}
