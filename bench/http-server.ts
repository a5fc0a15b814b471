/**
 * The server half of `bench/http.ts`, run in its own process: builds the allocation with the real
 * allocator (consistent-hashing), starts the
 * allocator server on a free port and answers the parent's questions over IPC.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createAllocatorMetrics } from '../src/allocator/metrics.js';
import { createAllocatorServer } from '../src/allocator/server/allocator-server.js';
import { silentLogger } from '../src/observability/logger.js';
import { Allocator } from '../src/allocator/allocator.js';
import { createStrategy } from '../src/allocator/strategies/registry.js';
import type { Target } from '../src/allocator/model.js';
import { buildTargets } from './serving-fixture.js';

export interface ServerReady {
  readonly type: 'ready';
  readonly port: number;
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
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
}

const targets = Number(process.env.BENCH_TARGETS ?? 100_000);
const jobs = Number(process.env.BENCH_JOBS ?? 100);
const labels = Number(process.env.BENCH_LABELS ?? 30);
const collectors = Number(process.env.BENCH_COLLECTORS ?? 50);
const cacheMb = process.env.BENCH_CACHE_MB;

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
  responseCacheMaxBytes: cacheMb === undefined ? undefined : Number(cacheMb) * 2 ** 20,
});
await server.start();

// A CPU profile of a chosen phase only (the load, not the build and cache fill), for
// `bench/http.ts --cpu-prof-dir`.
const session = new Session();
const profiler = {
  async start(): Promise<void> {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  },
  async stop(file: string): Promise<void> {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  },
};

const send = (message: ServerReady | ServerMemory | ServerCpu): void => {
  process.send?.(message);
};
send({
  type: 'ready',
  port: server.httpAddress().port,
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
      heapTotalMb: m.heapTotal / 2 ** 20,
      externalMb: m.external / 2 ** 20,
      arrayBuffersMb: m.arrayBuffers / 2 ** 20,
    });
  } else if (message === 'add-collector') {
    // A collector joins: every job's version moves; the parent then measures the cache refill.
    collectorIds.push(`collector-${collectorIds.length}`);
    view.setCollectors(collectorIds.map((id) => ({ id })));
    send({ type: 'cpu', userUs: 0, systemUs: 0 });
  } else if (message === 'profile-start') {
    void profiler.start().then(() => send({ type: 'cpu', userUs: 0, systemUs: 0 }));
  } else if (typeof message === 'string' && message.startsWith('profile-stop:')) {
    void profiler
      .stop(message.slice('profile-stop:'.length))
      .then(() => send({ type: 'cpu', userUs: 0, systemUs: 0 }));
  } else if (message === 'cpu') {
    const cpu = process.cpuUsage();
    send({ type: 'cpu', userUs: cpu.user, systemUs: cpu.system });
  } else if (message === 'stop') {
    void server.stop().then(() => process.exit(0));
  }
});
