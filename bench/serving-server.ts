/**
 * The allocator half of `bench/serving.ts`, in its own process so the load generator's CPU is not
 * the server's: builds the allocation with the real allocator (consistent-hashing), starts the
 * real allocator server on a free port and answers the parent's questions over IPC.
 */
import { createAllocatorMetrics } from '../src/allocator/metrics.js';
import { createAllocatorServer } from '../src/allocator/server/allocator-server.js';
import { silentLogger } from '../src/observability/logger.js';
import { Allocator } from '../src/allocator/allocator.js';
import { createStrategy } from '../src/allocator/strategies/registry.js';
import type { Target } from '../src/allocator/model.js';
import { answerParent, type CpuMessage } from './bench-child.js';
import { buildTargets } from './serving-fixture.js';

export type ServerMessage =
  | {
      readonly type: 'ready';
      readonly port: number;
      readonly collectorIds: readonly string[];
      readonly jobs: readonly string[];
    }
  | CpuMessage
  | { readonly type: 'memory'; readonly rssMb: number };

const targets = Number(process.env.BENCH_TARGETS);
const jobs = Number(process.env.BENCH_JOBS);
const labels = Number(process.env.BENCH_LABELS);
const collectors = Number(process.env.BENCH_COLLECTORS);

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

// What /scrape_configs serves: one pod-discovery scrape config per job.
const scrapeConfigs = Object.fromEntries(
  view.jobNames().map((job) => [
    job,
    {
      job_name: job,
      scrape_interval: '30s',
      kubernetes_sd_configs: [{ role: 'pod' }],
      relabel_configs: [
        {
          source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'],
          regex: job,
          action: 'keep',
        },
      ],
    },
  ]),
);

const server = createAllocatorServer({
  view,
  scrapeConfigs: () => scrapeConfigs,
  isReady: () => true,
  metrics: createAllocatorMetrics(),
  logger: silentLogger(),
  listenAddr: '127.0.0.1:0',
  allowInsecureAuthSecrets: false,
  strategy: view.strategyName,
});
await server.start();

const ready: ServerMessage = {
  type: 'ready',
  port: server.httpAddress().port,
  collectorIds,
  jobs: view.jobNames(),
};
process.send?.(ready);
answerParent(() => server.stop(), {
  memory: (): ServerMessage => ({ type: 'memory', rssMb: process.memoryUsage().rss / 2 ** 20 }),
});
