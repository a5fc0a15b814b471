/**
 * HTTP benchmark of the allocator's hot route, `GET /jobs/{job}/targets?collector_id=`:
 * a server process holding the allocation, load from this process over keep-alive connections.
 * Prints one JSON object. Usage: npm run bench:http -- [--json] [--targets N] [--collectors N]
 * [--jobs N] [--labels N] [--connections N] [--duration SECONDS] [--gzip] [--no-floor]
 */
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ServerCpu, ServerMemory, ServerReady } from './http-server.js';
import { runLoad } from './http-load.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    targets: { type: 'string', default: '100000' },
    collectors: { type: 'string', default: '50' },
    jobs: { type: 'string', default: '100' },
    labels: { type: 'string', default: '30' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    // Prometheus's http_sd client sends no Accept-Encoding (prometheus/common disables
    // compression), so plain JSON is the default; --gzip measures browser/curl-style clients.
    gzip: { type: 'boolean', default: false },
    'no-floor': { type: 'boolean', default: false },
  },
});

const child = fork(fileURLToPath(new URL('./http-server.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx', '--expose-gc'],
  env: {
    ...process.env,
    BENCH_TARGETS: values.targets,
    BENCH_COLLECTORS: values.collectors,
    BENCH_JOBS: values.jobs,
    BENCH_LABELS: values.labels,
  },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});

function nextMessage<T extends { type: string }>(type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => {
      reject(new Error(`bench server exited with ${code}`));
    };
    const onMessage = (m: unknown): void => {
      if ((m as { type?: string }).type === type) {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as T);
      }
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

try {
  const ready = await nextMessage<ServerReady>('ready');
  const paths = ready.jobs.flatMap((job) =>
    ready.collectorIds.map((c) => `/jobs/${encodeURIComponent(job)}/targets?collector_id=${c}`),
  );
  const connections = Number(values.connections);
  const gzip = values.gzip;
  const common = { host: '127.0.0.1', port: ready.port, paths, connections, gzip };
  const cpu = async (): Promise<number> => {
    child.send('cpu');
    const usage = await nextMessage<ServerCpu>('cpu');
    return usage.userUs + usage.systemUs;
  };
  const fetchAll = async (urls: readonly string[]): Promise<void> => {
    for (let i = 0; i < urls.length; i += 8) {
      await Promise.all(
        urls.slice(i, i + 8).map(async (path) => {
          const res = await fetch(`http://127.0.0.1:${ready.port}${path}`, {
            headers: { 'Accept-Encoding': gzip ? 'gzip' : 'identity' },
          });
          await res.arrayBuffer();
        }),
      );
    }
  };
  // One pass over every (job, collector) fills the server's response cache, as the first round of
  // collector polls does; its duration and server CPU are reported separately.
  const fillCpuBefore = await cpu();
  const fillStarted = performance.now();
  await fetchAll(paths);
  const cacheFillMs = performance.now() - fillStarted;
  const fillCpuMs = ((await cpu()) - fillCpuBefore) / 1000;

  const cpuBefore = await cpu();
  const result = await runLoad({
    ...common,
    warmupMs: 1000,
    durationMs: Number(values.duration) * 1000,
  });
  const serverCpuUs = (await cpu()) - cpuBefore;
  // A collector joins; every body is requested again (the new collector's too): what does the
  // server spend? Bodies whose target list did not change are reused, not re-serialized.
  child.send('memory');
  const memoryBeforeJoin = await nextMessage<ServerMemory>('memory');
  child.send('add-collector');
  await nextMessage<ServerCpu>('cpu');
  const joinedId = `collector-${ready.collectorIds.length}`;
  const refillCpuBefore = await cpu();
  await fetchAll([
    ...paths,
    ...ready.jobs.map((job) => `/jobs/${encodeURIComponent(job)}/targets?collector_id=${joinedId}`),
  ]);
  const refillCpuMs = ((await cpu()) - refillCpuBefore) / 1000;
  const floorCpuBefore = await cpu();
  const floor = values['no-floor']
    ? undefined
    : await runLoad({
        ...common,
        port: ready.floorPort,
        warmupMs: 1000,
        durationMs: Number(values.duration) * 1000,
      });
  const floorCpuUs = (await cpu()) - floorCpuBefore;
  child.send('memory');
  const memory = await nextMessage<ServerMemory>('memory');
  const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
  const output = {
    route: '/jobs/{job}/targets?collector_id=',
    targets: Number(values.targets),
    collectors: Number(values.collectors),
    jobs: ready.jobs.length,
    labels_per_target: Number(values.labels),
    connections,
    accept_encoding: gzip ? 'gzip' : 'identity',
    duration_s: round(result.seconds),
    req_per_s: Math.round(result.reqPerS),
    p50_ms: result.p50Ms,
    p90_ms: result.p90Ms,
    p99_ms: result.p99Ms,
    max_ms: round(result.maxMs),
    errors: result.errors + result.non2xx,
    // CPU the server process spent per request (user + system, warm-up included in neither):
    // independent of what else runs on the machine, unlike req/s.
    server_cpu_us_per_req: round(serverCpuUs / Math.max(1, result.requests), 1),
    server_cpu_share: round(serverCpuUs / 1e6 / result.seconds, 2),
    // The same load against a bare node:http server returning one fixed buffer in the same process.
    floor_req_per_s: floor === undefined ? null : Math.round(floor.reqPerS),
    floor_p99_ms: floor === undefined ? null : floor.p99Ms,
    floor_server_cpu_us_per_req:
      floor === undefined ? null : round(floorCpuUs / Math.max(1, floor.requests), 1),
    load_avg_1m: round(loadavg()[0] ?? 0),
    cpus: cpus().length,
    mean_body_kb: round(result.bytes / Math.max(1, result.requests) / 1024, 1),
    throughput_mb_per_s: round(result.bytes / result.seconds / 2 ** 20, 1),
    rss_mb: round(memory.rssMb, 1),
    rss_before_join_mb: round(memoryBeforeJoin.rssMb, 1),
    external_before_join_mb: round(memoryBeforeJoin.externalMb, 1),
    heap_used_mb: round(memory.heapUsedMb, 1),
    external_mb: round(memory.externalMb, 1),
    build_ms: round(ready.buildMs, 0),
    cache_fill_ms: round(cacheFillMs, 0),
    // Server CPU to serialize and compress every (job, collector) body once: the burst after a change.
    cache_fill_server_cpu_ms: round(fillCpuMs, 0),
    cache_bodies: paths.length,
    refill_after_join_server_cpu_ms: round(refillCpuMs, 0),
  };
  process.stdout.write(JSON.stringify(output, null, values.json ? undefined : 2) + '\n');
  child.send('stop');
} catch (err) {
  child.kill('SIGKILL');
  throw err;
}
