import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryEscape } from '../../src/allocator/server/query-escape.js';
import { startAllocator, type AllocatorProcess } from './support/allocator-process.js';
import { freePort, ProcessGroup, waitFor } from './support/processes.js';
import { startPrometheus, type PrometheusInstance } from './support/prometheus.js';

// A real Prometheus polls the allocator's /jobs/<QueryEscape(job)>/targets?collector_id=... for
// job names with characters a URL must escape, as the webhook's http_sd rewrite (and a collector's
// target_allocator client) builds those URLs: every target reaches the one collector it belongs to.

const JOBS = ['a/b c', 'ünïcode+plus', 'q?x=1&y#z', '100%', 'serviceMonitor/ns/name/0'];
const COLLECTORS = ['c1', 'c2'];
const targetOf = (i: number, k: number): string => `10.0.${i}.${k}:9100`;

describe('http_sd against the allocator, with job names that need escaping', () => {
  let group: ProcessGroup;
  let allocator: AllocatorProcess;
  const prometheus: PrometheusInstance[] = [];

  beforeAll(async () => {
    group = await ProcessGroup.create('otel-ta-e2e-review-http-sd-names');
    allocator = await startAllocator(group, {
      name: 'allocator',
      port: await freePort(),
      collectorIds: COLLECTORS,
      scrapeConfigs: JOBS.map((job, i) => ({
        job_name: job,
        static_configs: [{ targets: [0, 1, 2, 3].map((k) => targetOf(i, k)) }],
      })),
    });
    for (const collector of COLLECTORS) {
      prometheus.push(
        await startPrometheus(group, {
          name: `prometheus-${collector}`,
          config: {
            global: { scrape_interval: '1h' },
            scrape_configs: JOBS.map((job) => ({
              job_name: job,
              http_sd_configs: [
                {
                  url: `${allocator.url}/jobs/${queryEscape(job)}/targets?collector_id=${collector}`,
                  refresh_interval: '1s',
                },
              ],
            })),
          },
        }),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await group?.stopAll();
  });

  it('gets every target exactly once across the collectors, under its own job name', async () => {
    const expected = JOBS.flatMap((job, i) => [0, 1, 2, 3].map((k) => `${job} ${targetOf(i, k)}`));
    const seen = await waitFor(
      'every target at one Prometheus',
      async () => {
        const all = (await Promise.all(prometheus.map((p) => p.activeTargets()))).flat();
        const keys = all.map((t) => `${t.job} ${t.instance}`).sort();
        return keys.length === expected.length ? keys : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(seen).toEqual([...expected].sort());
  });
});
