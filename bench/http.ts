/**
 * HTTP benchmark of the allocator's hot route, `GET /jobs/{job}/targets?collector_id=`:
 * a server process holding the allocation, load from a separate process over keep-alive
 * connections (wrk when it is on PATH, else our Node raw-socket generator), at each connection
 * count, against the allocator and against bare node:http floors in a third process.
 * Prints one JSON object. Usage: npm run bench:http -- [--json] [--targets N] [--collectors N]
 * [--jobs N] [--labels N] [--connections 8,32] [--duration SECONDS] [--warmup SECONDS] [--gzip] [--no-floor]
 * [--generator wrk|node] [--cache-mb MB] [--cpu-prof-dir DIR] [--node-arg ARG]...
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FloorBodies, FloorReady } from './http-floor.js';
import type { ServerCpu, ServerMemory, ServerReady } from './http-server.js';
import { runLoad, type LoadOptions, type LoadResult } from './http-load.js';
import { runWrkLoad, wrkAvailable } from './http-wrk.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    targets: { type: 'string', default: '100000' },
    collectors: { type: 'string', default: '50' },
    jobs: { type: 'string', default: '100' },
    labels: { type: 'string', default: '30' },
    connections: { type: 'string', default: '8,32' },
    duration: { type: 'string', default: '6' },
    warmup: { type: 'string', default: '8' },
    // Prometheus's http_sd client sends no Accept-Encoding (prometheus/common disables
    // compression), so plain JSON is the default; --gzip measures browser/curl-style clients.
    gzip: { type: 'boolean', default: false },
    'no-floor': { type: 'boolean', default: false },
    generator: { type: 'string' },
    // The allocator's byte budget for cached bodies (ResponseCache maxBodyBytes); default: all.
    'cache-mb': { type: 'string' },
    // Writes CPU profiles of the allocator process (cache fill, first load run) into this directory.
    'cpu-prof-dir': { type: 'string' },
    // Node options for the allocator process only, e.g. --trace-gc or --max-semi-space-size=32.
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});

const GOAL = { reqPerS: 20_000, p99Ms: 5, rssMb: 300 };

const generator = values.generator ?? (wrkAvailable() ? 'wrk' : 'node');
if (generator !== 'wrk' && generator !== 'node') throw new Error('--generator is wrk or node');
const load = (options: LoadOptions): Promise<LoadResult> =>
  generator === 'wrk' ? runWrkLoad(options) : runLoad(options);

const forkBench = (
  file: string,
  env: NodeJS.ProcessEnv = {},
  nodeArgs: readonly string[] = [],
): ChildProcess =>
  fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...nodeArgs],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

function nextMessage<T extends { type: string }>(from: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => {
      reject(new Error(`bench process exited with ${code}`));
    };
    const onMessage = (m: unknown): void => {
      if ((m as { type?: string }).type === type) {
        from.off('message', onMessage);
        from.off('exit', onExit);
        resolve(m as T);
      }
    };
    from.on('message', onMessage);
    from.once('exit', onExit);
  });
}

const ask = <T extends { type: string }>(
  from: ChildProcess,
  message: string,
  type: T['type'],
): Promise<T> => {
  const reply = nextMessage<T>(from, type);
  from.send(message);
  return reply;
};

const cpuUs = async (from: ChildProcess): Promise<number> => {
  const usage = await ask<ServerCpu>(from, 'cpu', 'cpu');
  return usage.userUs + usage.systemUs;
};

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

function memoryFields(m: ServerMemory): Record<string, number> {
  return {
    rss_mb: round(m.rssMb, 1),
    heap_used_mb: round(m.heapUsedMb, 1),
    heap_total_mb: round(m.heapTotalMb, 1),
    // `external` includes `arrayBuffers` (Buffers live there): do not add them up.
    external_mb: round(m.externalMb, 1),
    array_buffers_mb: round(m.arrayBuffersMb, 1),
  };
}

const server = forkBench(
  './http-server.ts',
  {
    BENCH_TARGETS: values.targets,
    BENCH_COLLECTORS: values.collectors,
    BENCH_JOBS: values.jobs,
    BENCH_LABELS: values.labels,
    ...(values['cache-mb'] === undefined ? {} : { BENCH_CACHE_MB: values['cache-mb'] }),
  },
  values['node-arg'],
);
const floor = values['no-floor'] ? undefined : forkBench('./http-floor.ts');

try {
  const ready = await nextMessage<ServerReady>(server, 'ready');
  const paths = ready.jobs.flatMap((job) =>
    ready.collectorIds.map((c) => `/jobs/${encodeURIComponent(job)}/targets?collector_id=${c}`),
  );
  const connectionCounts = values.connections.split(',').map(Number);
  const gzip = values.gzip;
  const durationMs = Number(values.duration) * 1000;
  const warmupMs = Number(values.warmup) * 1000;
  const memory = (): Promise<ServerMemory> => ask<ServerMemory>(server, 'memory', 'memory');
  const sizes = new Map<string, number>();
  const fetchAll = async (urls: readonly string[]): Promise<void> => {
    for (let i = 0; i < urls.length; i += 8) {
      await Promise.all(
        urls.slice(i, i + 8).map(async (path) => {
          const res = await fetch(`http://127.0.0.1:${ready.port}${path}`, {
            headers: { 'Accept-Encoding': gzip ? 'gzip' : 'identity' },
          });
          sizes.set(path, (await res.arrayBuffer()).byteLength);
        }),
      );
    }
  };
  const measure = async (
    target: string,
    process: ChildProcess,
    port: number,
    options: { connections: number; paths: readonly string[]; profile?: string | undefined },
  ): Promise<Record<string, unknown>> => {
    const base = { host: '127.0.0.1', port, gzip, warmupMs: 0, ...options };
    // Unmeasured load first, until the server is in its steady state under this load: the response
    // cache keeps plain bytes only for bodies requested several times per period (3 per 10 s), so
    // under a sudden load every body is inflated per request at first (~10k req/s), then turns hot
    // and keeps its plain bytes (+180 MB, with the GC work that brings). Measured at 8 connections
    // (2026-11-26): after a 3 s warm-up 67 us of server CPU per request, after 8 s 37 us.
    await load({ ...base, durationMs: warmupMs });
    if (options.profile !== undefined) await ask(process, 'profile-start', 'cpu');
    const before = await cpuUs(process);
    const r = await load({ ...base, durationMs });
    // CPU of the serving process per request (warm-up excluded): independent of what else runs
    // on the machine, unlike req/s.
    const spent = (await cpuUs(process)) - before;
    if (options.profile !== undefined) await ask(process, `profile-stop:${options.profile}`, 'cpu');
    return {
      target,
      connections: options.connections,
      req_per_s: Math.round(r.reqPerS),
      p50_ms: round(r.p50Ms),
      p90_ms: round(r.p90Ms),
      p99_ms: round(r.p99Ms),
      max_ms: round(r.maxMs),
      errors: r.errors + r.non2xx,
      server_cpu_us_per_req: round(spent / Math.max(1, r.requests), 1),
      mean_body_kb: round(r.bytes / Math.max(1, r.requests) / 1024, 1),
    };
  };

  const memoryAllocationOnly = await memory();
  // One pass over every (job, collector) fills the server's response cache, as the first round of
  // collector polls does; its duration and server CPU are reported separately.
  const profileDir = values['cpu-prof-dir'];
  if (profileDir !== undefined) await ask(server, 'profile-start', 'cpu');
  const fillCpuBefore = await cpuUs(server);
  const fillStarted = performance.now();
  await fetchAll(paths);
  const cacheFillMs = performance.now() - fillStarted;
  const fillCpuMs = ((await cpuUs(server)) - fillCpuBefore) / 1000;
  if (profileDir !== undefined) {
    await ask(server, `profile-stop:${join(profileDir, `fill-${Date.now()}.cpuprofile`)}`, 'cpu');
  }

  // Also a full GC, so the first load run does not pay for the fill's garbage.
  const memoryAfterFill = await memory();

  let floorPort = 0;
  if (floor !== undefined) {
    const bodies: FloorBodies = { type: 'bodies', entries: paths.map((p) => [p, sizes.get(p)!]) };
    const floorReady = nextMessage<FloorReady>(floor, 'ready');
    floor.send(bodies);
    floorPort = (await floorReady).port;
  }
  const runs: Record<string, unknown>[] = [];
  for (const [i, connections] of connectionCounts.entries()) {
    const profile =
      i === 0 && profileDir !== undefined
        ? join(profileDir, `allocator-${Date.now()}.cpuprofile`)
        : undefined;
    runs.push(await measure('allocator', server, ready.port, { connections, paths, profile }));
    if (floor === undefined) continue;
    runs.push(await measure('floor', floor, floorPort, { connections, paths }));
    if (i === 0) {
      runs.push(
        await measure('floor_one_body', floor, floorPort, { connections, paths: ['/one'] }),
      );
    }
  }
  const memoryAfterLoad = await memory();

  // A collector joins; every body is requested again (the new collector's too): what does the
  // server spend? Bodies whose target list did not change are reused, not re-serialized.
  await ask<ServerCpu>(server, 'add-collector', 'cpu');
  const joinedId = `collector-${ready.collectorIds.length}`;
  const refillCpuBefore = await cpuUs(server);
  await fetchAll([
    ...paths,
    ...ready.jobs.map((job) => `/jobs/${encodeURIComponent(job)}/targets?collector_id=${joinedId}`),
  ]);
  const refillCpuMs = ((await cpuUs(server)) - refillCpuBefore) / 1000;
  const memoryAfterJoin = await memory();

  const met = runs.find(
    (r) =>
      r.target === 'allocator' &&
      (r.req_per_s as number) >= GOAL.reqPerS &&
      (r.p99_ms as number) <= GOAL.p99Ms,
  );
  const output = {
    route: '/jobs/{job}/targets?collector_id=',
    generator,
    targets: Number(values.targets),
    collectors: Number(values.collectors),
    jobs: ready.jobs.length,
    labels_per_target: Number(values.labels),
    accept_encoding: gzip ? 'gzip' : 'identity',
    duration_s: Number(values.duration),
    warmup_s: Number(values.warmup),
    cache_mb: values['cache-mb'] === undefined ? null : Number(values['cache-mb']),
    node_args: values['node-arg'],
    // `floor`: bare node:http in its own process serving one distinct body of the same size per
    // path (same working set as the allocator's cache); `floor_one_body`: one cache-hot body.
    runs,
    goal: {
      req_per_s: GOAL.reqPerS,
      p99_ms: GOAL.p99Ms,
      rss_mb: GOAL.rssMb,
      throughput_met_at_connections: met === undefined ? null : met.connections,
      rss_met: memoryAfterLoad.rssMb <= GOAL.rssMb,
    },
    load_avg_1m: round(loadavg()[0] ?? 0),
    cpus: cpus().length,
    // Allocator process memory after a full GC: with the allocation only; after every body was
    // served once (all cached); after the load runs; after a collector joined and all were served
    // again.
    memory_allocation_only: memoryFields(memoryAllocationOnly),
    memory_after_fill: memoryFields(memoryAfterFill),
    memory_after_load: memoryFields(memoryAfterLoad),
    memory_after_join: memoryFields(memoryAfterJoin),
    build_ms: round(ready.buildMs, 0),
    cache_bodies: paths.length,
    cache_fill_ms: round(cacheFillMs, 0),
    // Server CPU to serialize every (job, collector) body once: the burst after a change.
    cache_fill_server_cpu_ms: round(fillCpuMs, 0),
    refill_after_join_server_cpu_ms: round(refillCpuMs, 0),
  };
  process.stdout.write(JSON.stringify(output, null, values.json ? undefined : 2) + '\n');
  server.send('stop');
  floor?.send('stop');
} catch (err) {
  server.kill('SIGKILL');
  floor?.kill('SIGKILL');
  throw err;
}
