/**
 * bench:serving: the allocator's HTTP API under the load of a big cluster's collector pool. Every
 * collector polls each job's `/jobs/{job}/targets?collector_id=` once per poll interval and
 * `/scrape_configs` once per its own interval, each over its own keep-alive connection; the
 * requests are paced (open loop) by a load generator in this process, the allocator runs in a
 * child process (bench/serving-server.ts) whose CPU is reported.
 *
 *   npm run bench:serving -- [--json] [--collectors 1000] [--jobs 20] [--targets 100000]
 *     [--labels 30] [--poll-interval 10] [--scrape-configs-interval 30] [--duration 20] [--warmup 10]
 *
 * Defaults: 1000 collectors x 20 jobs every 10 s = 2000 req/s on the targets route, plus 33 req/s
 * on /scrape_configs.
 */
import { benchArgs, environment, printReport, round } from './report.js';
import { ask, childCpuUs, forkBenchChild, waitFor } from './bench-child.js';
import type { ServerMessage } from './serving-server.js';
import { runPacedLoad, type PacedRequest } from './serving-load.js';

const startedAt = new Date();
const args = benchArgs({
  collectors: { type: 'string', default: '1000' },
  jobs: { type: 'string', default: '20' },
  targets: { type: 'string', default: '100000' },
  labels: { type: 'string', default: '30' },
  'poll-interval': { type: 'string', default: '10' },
  'scrape-configs-interval': { type: 'string', default: '30' },
  duration: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '10' },
});
const collectors = Number(args.collectors);
const jobs = Number(args.jobs);
const pollS = Number(args['poll-interval']);
const scrapeConfigsS = Number(args['scrape-configs-interval']);
const targetsRate = (collectors * jobs) / pollS;
const scrapeConfigsRate = scrapeConfigsS > 0 ? collectors / scrapeConfigsS : 0;

const server = forkBenchChild(new URL('./serving-server.ts', import.meta.url), {
  BENCH_TARGETS: args.targets,
  BENCH_JOBS: args.jobs,
  BENCH_LABELS: args.labels,
  BENCH_COLLECTORS: args.collectors,
});

try {
  const ready = await waitFor<Extract<ServerMessage, { type: 'ready' }>>(
    server,
    'allocator',
    'ready',
  );
  // Every `every`-th request is a /scrape_configs poll; the others walk (collector, job) pairs.
  const every =
    scrapeConfigsRate > 0 ? Math.round((targetsRate + scrapeConfigsRate) / scrapeConfigsRate) : 0;
  const request = (n: number): PacedRequest => {
    if (every > 0 && n % every === every - 1) {
      return { connection: Math.floor(n / every), path: '/scrape_configs' };
    }
    const collector = n % collectors;
    const job = ready.jobs[Math.floor(n / collectors) % ready.jobs.length]!;
    return {
      connection: collector,
      path: `/jobs/${encodeURIComponent(job)}/targets?collector_id=${ready.collectorIds[collector]!}`,
    };
  };
  const load = (durationMs: number): ReturnType<typeof runPacedLoad> =>
    runPacedLoad({
      host: '127.0.0.1',
      port: ready.port,
      connections: collectors,
      rate: targetsRate + scrapeConfigsRate,
      durationMs,
      request,
    });
  // Unmeasured first: every body is serialized once, as on the first round of polls.
  await load(Number(args.warmup) * 1000);
  const cpuBefore = await childCpuUs(server, 'allocator');
  const r = await load(Number(args.duration) * 1000);
  const cpuSpentUs = (await childCpuUs(server, 'allocator')) - cpuBefore;
  const rss = await ask<Extract<ServerMessage, { type: 'memory' }>>(server, 'allocator', 'memory');
  printReport(
    {
      benchmark: 'serving',
      subject: 'GET /jobs/{job}/targets?collector_id= and /scrape_configs, keep-alive, paced',
      parameters: {
        collectors,
        jobs,
        targets: Number(args.targets),
        labels_per_target: Number(args.labels),
        poll_interval_s: pollS,
        scrape_configs_interval_s: scrapeConfigsS,
        offered_req_per_s: round(targetsRate + scrapeConfigsRate, 1),
        duration_s: Number(args.duration),
        warmup_s: Number(args.warmup),
      },
      figures: {
        req_per_s: round(r.requests / r.seconds, 0),
        requests: r.requests,
        errors: r.errors,
        non_2xx: r.non2xx,
        p50_ms: round(r.latency.quantileMs(0.5)),
        p90_ms: round(r.latency.quantileMs(0.9)),
        p99_ms: round(r.latency.quantileMs(0.99)),
        max_ms: round(r.latency.maxUs / 1000),
        // From the time each request was due: includes waiting behind a slow answer on its connection.
        p99_from_due_ms: round(r.latencyFromDue.quantileMs(0.99)),
        mean_body_kb: round(r.bytes / Math.max(1, r.requests) / 1024, 1),
        allocator_cpu_cores: round(cpuSpentUs / 1e6 / r.seconds, 3),
        allocator_cpu_us_per_req: round(cpuSpentUs / Math.max(1, r.requests), 1),
        allocator_rss_mb: round(rss.rssMb, 0),
      },
      environment: environment(startedAt),
    },
    args.json,
  );
  server.send('stop');
} catch (err) {
  server.kill('SIGKILL');
  throw err;
}
