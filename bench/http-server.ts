/**
 * The server half of `bench/http.ts`, run in its own process: builds the allocation with the real
 * allocator (consistent-hashing), starts the
 * allocator server on a free port and answers the parent's questions over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createAllocatorMetrics } from '../src/allocator/metrics.js';
import { createAllocatorServer } from '../src/allocator/server/allocator-server.js';
import { silentLogger } from '../src/observability/logger.js';
import { Allocator } from '../src/allocator/allocator.js';
import { createStrategy } from '../src/allocator/strategies/registry.js';
import type { Target } from '../src/allocator/model.js';
import { buildTargets } from './http-fixture.js';

export interface ServerReady {
  readonly type: 'ready';
  readonly port: number;
  readonly floorPort: number;
  readonly buildMs: number;
  readonly collectorIds: readonly string[];
  readonly jobs: readonly string[];
}

export interface ServerCpu {
  readonly type: 'cpu';
  readonly userUs: number;
  readonly systemUs: number;
}

export interface ServerMemory {
  readonly type: 'memory';
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly externalMb: number;
}

const targets = Number(process.env.BENCH_TARGETS ?? 100_000);
const jobs = Number(process.env.BENCH_JOBS ?? 100);
const labels = Number(process.env.BENCH_LABELS ?? 30);
const collectors = Number(process.env.BENCH_COLLECTORS ?? 50);

const started = performance.now();
const collectorIds = Array.from({ length: collectors }, (_, i) => `collector-${i}`);
const view = new Allocator({ strategy: createStrategy('consistent-hashing') });
view.setCollectors(collectorIds.map((id) => ({ id })));
const byJob = new Map<string, Target[]>();
for (const target of buildTargets({ targets, jobs, labels })) {
  let list = byJob.get(target.job);
  if (list === undefined) byJob.set(target.job, (list = []));
  list.push(target);
}
for (const [job, list] of byJob) view.setJobTargets(job, list);
byJob.clear();
const buildMs = performance.now() - started;

const server = createAllocatorServer({
  view,
  scrapeConfigs: () => ({}),
  isReady: () => true,
  metrics: createAllocatorMetrics(),
  logger: silentLogger(),
  listenAddr: '127.0.0.1:0',
  allowInsecureAuthSecrets: false,
  strategy: view.strategyName,
});
await server.start();

// The floor: node:http answering every request with one fixed buffer of the same size and headers,
// no routing, no cache, no metrics. Measured under the same conditions, it shows what share of
// the cost is ours and what is Node's HTTP stack (and the machine's load).
const sample = await fetch(
  `http://127.0.0.1:${server.httpAddress().port}/jobs/${view.jobNames()[0]}/targets?collector_id=${collectorIds[0]}`,
);
const sampleBody = Buffer.from(await sample.arrayBuffer());
const floorGzip = gzipSync(sampleBody, { level: 1 });
const floor = createServer((req, res) => {
  const gzip = req.headers['accept-encoding'] === 'gzip';
  const body = gzip ? floorGzip : sampleBody;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': body.length,
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    ETag: '"floor"',
    Vary: 'Accept-Encoding',
  });
  res.end(body);
});
await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));

const send = (message: ServerReady | ServerMemory | ServerCpu): void => {
  process.send?.(message);
};
send({
  type: 'ready',
  port: server.httpAddress().port,
  floorPort: (floor.address() as AddressInfo).port,
  buildMs,
  collectorIds,
  jobs: view.jobNames(),
});
process.on('message', (message: unknown) => {
  if (message === 'memory') {
    global.gc?.();
    const m = process.memoryUsage();
    send({
      type: 'memory',
      rssMb: m.rss / 2 ** 20,
      heapUsedMb: m.heapUsed / 2 ** 20,
      externalMb: (m.external + m.arrayBuffers) / 2 ** 20,
    });
  } else if (message === 'add-collector') {
    // A collector joins: every job's version moves; the parent then measures the cache refill.
    collectorIds.push(`collector-${collectorIds.length}`);
    view.setCollectors(collectorIds.map((id) => ({ id })));
    send({ type: 'cpu', userUs: 0, systemUs: 0 });
  } else if (message === 'cpu') {
    const cpu = process.cpuUsage();
    send({ type: 'cpu', userUs: cpu.user, systemUs: cpu.system });
  } else if (message === 'stop') {
    floor.close();
    floor.closeAllConnections();
    void server.stop().then(() => process.exit(0));
  }
});
