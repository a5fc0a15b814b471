/**
 * Resident memory of the real allocator process (the compiled `otel-ta allocator`, as deployed)
 * holding N targets of ~30 labels: file_sd groups shaped like Kubernetes EndpointSlice targets
 * (one target per group, so no label object is shared: the costly case), a static pool of
 * collectors, the fixture's relabel_configs. Reads VmRSS/VmHWM from /proc (Linux) once the
 * targets are served, after every (job, collector) body was fetched once, and after a second
 * round. Prints one JSON object. Needs `npm run build` first.
 *
 *   npx tsx bench/allocator-rss.ts [--targets 100000] [--collectors 50] [--jobs 100] [--cache-mb N]
 *     [--cpu-prof-dir DIR]  (a CPU profile of the allocator process, written when it stops)
 *     [--node-arg ARG]...   (Node options for the allocator process, e.g. --max-semi-space-size=32)
 *     [--rounds 2]          (times every body is fetched, one after the other)
 *     [--settle-s 20]       (idle seconds after the last round before the last reading)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RELABEL_CONFIGS, endpointSliceGroups } from './endpointslice-fixture.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '100000' },
    collectors: { type: 'string', default: '50' },
    jobs: { type: 'string', default: '100' },
    'cache-mb': { type: 'string' },
    'cpu-prof-dir': { type: 'string' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    'settle-s': { type: 'string', default: '20' },
    rounds: { type: 'string', default: '2' },
  },
});
const targets = Number(values.targets);
const collectorCount = Number(values.collectors);
const jobCount = Number(values.jobs);
const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write(
    'bench/allocator-rss.ts: run `npm run build` first (needs dist/src/cli.js)\n',
  );
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'otel-ta-rss-'));
const collectors = Array.from({ length: collectorCount }, (_, i) => `collector-${i}`);
const groupsByJob = endpointSliceGroups({
  jobs: jobCount,
  targetsPerJob: Math.ceil(targets / jobCount),
  nodes: collectorCount,
  seed: 7,
});
const jobs = groupsByJob.map((groups, j) => {
  const name = `job-${String(j).padStart(3, '0')}`;
  const file = join(dir, `${name}.json`);
  const fileGroups = groups.flatMap((group) =>
    group.targets.map((own) => {
      const { __address__: address, ...rest } = own;
      return { targets: [address], labels: { ...group.labels, ...rest } };
    }),
  );
  writeFileSync(file, JSON.stringify(fileGroups));
  return { name, file };
});
const config = {
  collectors,
  config: {
    scrape_configs: jobs.map(({ name, file }) => ({
      job_name: name,
      file_sd_configs: [{ files: [file] }],
      relabel_configs: RELABEL_CONFIGS,
    })),
  },
};
const configFile = join(dir, 'targetallocator.yaml');
writeFileSync(configFile, JSON.stringify(config));

const port = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address() as { port: number };
    probe.close(() => resolve(free));
  });
});
const profile =
  values['cpu-prof-dir'] === undefined
    ? []
    : ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof-dir']}`];
const args = [
  ...values['node-arg'],
  ...profile,
  cli,
  'allocator',
  '--config-file',
  configFile,
  '--listen-addr',
  `127.0.0.1:${port}`,
];
if (values['cache-mb'] !== undefined) args.push('--response-cache-max-mb', values['cache-mb']);
const started = performance.now();
// With Node options (e.g. --trace-gc), the process's output goes to stderr; otherwise it is dropped.
const child = spawn(process.execPath, args, {
  stdio: ['ignore', values['node-arg'].length > 0 ? 'pipe' : 'ignore', 'inherit'],
});
child.stdout?.pipe(process.stderr);
const base = `http://127.0.0.1:${port}`;

interface Memory {
  readonly rssMb: number;
  readonly peakMb: number;
  /** From the process's own /metrics (prom-client's default metrics). */
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
  readonly externalMb: number;
}

async function memory(): Promise<Memory> {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1]);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const mb = (name: string): number =>
    Math.round(Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]) / 2 ** 20);
  return {
    rssMb: Math.round(kb('VmRSS') / 1024),
    peakMb: Math.round(kb('VmHWM') / 1024),
    heapUsedMb: mb('nodejs_heap_size_used_bytes'),
    heapTotalMb: mb('nodejs_heap_size_total_bytes'),
    externalMb: mb('nodejs_external_memory_bytes'),
  };
}

/** Targets the allocator holds, from its own gauge (cheap to poll, unlike fetching every list). */
async function servedTargets(): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^opentelemetry_allocator_targets\{[^}]*\} (\d+)$/gm))
    total += Number(match[1]);
  return total;
}

async function fetchEveryBody(): Promise<number> {
  let bytes = 0;
  for (const { name } of jobs) {
    for (const id of collectors) {
      // As Prometheus's http_sd client asks: no compression.
      const res = await fetch(`${base}/jobs/${name}/targets?collector_id=${id}`, {
        headers: { 'accept-encoding': 'identity' },
      });
      bytes += (await res.arrayBuffer()).byteLength;
    }
  }
  return bytes;
}

try {
  const expected = groupsByJob.reduce(
    (n, groups) =>
      n +
      groups.reduce(
        (m, g) =>
          m +
          g.targets.filter((t) => t.__meta_kubernetes_endpointslice_port_name !== 'grpc').length,
        0,
      ),
    0,
  );
  let served = 0;
  for (let deadline = Date.now() + 120_000; served !== expected && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    served = await servedTargets().catch(() => 0);
  }
  if (served !== expected) throw new Error(`served ${served} targets, expected ${expected}`);
  const readyMs = performance.now() - started;
  const allocated = await memory();
  if (process.env.BENCH_HEAP_SNAPSHOT_WAIT_MS !== undefined) {
    // With --node-arg=--heapsnapshot-signal=SIGUSR2: a heap snapshot of the allocated state.
    child.kill('SIGUSR2');
    await new Promise((resolve) =>
      setTimeout(resolve, Number(process.env.BENCH_HEAP_SNAPSHOT_WAIT_MS)),
    );
  }
  const bodyBytes = await fetchEveryBody();
  const afterBodies = await memory();
  const afterRounds: Memory[] = [];
  for (let round = 2; round <= Number(values.rounds); round++) {
    await fetchEveryBody();
    afterRounds.push(await memory());
  }
  // What a long-running allocator holds once the load is over (what `kubectl top` shows): V8 gives
  // back young-generation space and garbage of the load only after it sees the allocation rate drop.
  await new Promise((resolve) => setTimeout(resolve, Number(values['settle-s']) * 1000));
  const settled = await memory();
  process.stdout.write(
    `${JSON.stringify({
      targets: served,
      labels_per_target: 30,
      collectors: collectorCount,
      jobs: jobCount,
      cache_mb: values['cache-mb'] === undefined ? null : Number(values['cache-mb']),
      ready_s: Number((readyMs / 1000).toFixed(1)),
      allocated,
      after_every_body: afterBodies,
      after_second_round: afterRounds[0],
      ...(afterRounds.length > 1
        ? { after_last_round: afterRounds.at(-1), rounds: afterRounds.length + 1 }
        : {}),
      [`settled_${values['settle-s']}s_later`]: settled,
      body_mb_total: Number((bodyBytes / 2 ** 20).toFixed(1)),
      node: process.version,
    })}\n`,
  );
} finally {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
