import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startAllocator } from './support/allocator-process.js';
import { startMetricTargets, type MetricTargets } from './support/metric-targets.js';
import { freePort, ProcessGroup, waitFor } from './support/processes.js';
import { startPrometheus, type PrometheusInstance } from './support/prometheus.js';

/**
 * The problem the allocator exists to solve, reproduced and then removed with real Prometheus:
 * two agents with identical external_labels remote-write to one receiver. When both scrape the
 * same targets, the receiver rejects samples as out of order; when the allocator shards the
 * targets between them, nothing is rejected and every series arrives once.
 */

const TARGETS = 12;
const EXTERNAL_LABELS = { cluster: 'e2e', pool: 'collectors' };
const OBSERVE_MS = 20_000;

interface Counters {
  outOfOrder: number;
  writeErrors: number;
  agentSamplesFailed: number;
  agentSamplesSent: number;
}

async function counters(
  receiver: PrometheusInstance,
  agents: PrometheusInstance[],
): Promise<Counters> {
  let failed = 0;
  let sent = 0;
  for (const agent of agents) {
    failed += await agent.selfMetric('prometheus_remote_storage_samples_failed_total');
    sent += await agent.selfMetric('prometheus_remote_storage_samples_total');
  }
  return {
    outOfOrder: await receiver.selfMetric('prometheus_tsdb_out_of_order_samples_total'),
    writeErrors: await receiver.selfMetric('prometheus_http_requests_total', [
      'handler="/api/v1/write"',
      'code="4',
    ]),
    agentSamplesFailed: failed,
    agentSamplesSent: sent,
  };
}

function agentConfig(
  receiverUrl: string,
  scrapeConfigs: Record<string, unknown>[],
): Record<string, unknown> {
  return {
    global: { scrape_interval: '1s', scrape_timeout: '1s', external_labels: EXTERNAL_LABELS },
    scrape_configs: scrapeConfigs,
    remote_write: [
      {
        url: `${receiverUrl}/api/v1/write`,
        queue_config: { batch_send_deadline: '500ms', max_shards: 2, min_backoff: '100ms' },
      },
    ],
  };
}

describe('remote write from a pool of Prometheus agents', () => {
  let group: ProcessGroup;
  let targets: MetricTargets;

  beforeAll(async () => {
    group = await ProcessGroup.create('otel-ta-e2e-ooo');
    targets = await startMetricTargets(TARGETS);
  });

  afterAll(async () => {
    await group?.stopAll();
    await targets?.stop();
  });

  it('without the allocator, agents scraping the same targets cause out-of-order rejections', async () => {
    onTestFailed(async () => {
      console.error(await group.tails());
    });
    const receiver = await startPrometheus(group, {
      name: 'receiver-unsharded',
      config: { global: { scrape_interval: '1m' }, scrape_configs: [] },
      remoteWriteReceiver: true,
    });
    const staticJob = [{ job_name: 'demo', static_configs: [{ targets: targets.addresses }] }];
    const agents = await Promise.all(
      [0, 1].map((i) =>
        startPrometheus(group, {
          name: `agent-unsharded-${i}`,
          config: agentConfig(receiver.url, staticJob),
          agent: true,
        }),
      ),
    );
    const started = Date.now();
    const seen = await waitFor(
      'out-of-order samples at the receiver',
      async () => {
        const c = await counters(receiver, agents);
        return c.outOfOrder > 0 ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    // Let it run a little longer so the log shows the rate, not just the first rejection.
    await new Promise((r) => setTimeout(r, 5000));
    const later = await counters(receiver, agents);
    console.info(
      `unsharded: first out-of-order sample after ${Date.now() - started - 5000} ms; ` +
        `counters then ${JSON.stringify(seen)}, 5 s later ${JSON.stringify(later)}`,
    );
    expect(seen.outOfOrder).toBeGreaterThan(0);
    expect(later.agentSamplesFailed).toBeGreaterThan(0);
    expect(later.writeErrors).toBeGreaterThan(0);
    await Promise.all([...agents, receiver].map((p) => p.stop()));
  });

  it('with the allocator, the same pool has zero rejections and every series arrives exactly once', async () => {
    onTestFailed(async () => {
      console.error(await group.tails());
    });
    const receiver = await startPrometheus(group, {
      name: 'receiver-sharded',
      config: { global: { scrape_interval: '1m' }, scrape_configs: [] },
      remoteWriteReceiver: true,
    });
    const allocatorPort = await freePort();
    const allocator = await startAllocator(group, {
      name: 'allocator',
      port: allocatorPort,
      collectorIds: ['agent-0', 'agent-1'],
      scrapeConfigs: [{ job_name: 'demo', static_configs: [{ targets: targets.addresses }] }],
    });
    const agents = await Promise.all(
      [0, 1].map((i) =>
        startPrometheus(group, {
          name: `agent-sharded-${i}`,
          config: agentConfig(receiver.url, [
            {
              job_name: 'demo',
              http_sd_configs: [
                {
                  url: `${allocator.url}/jobs/demo/targets?collector_id=agent-${i}`,
                  refresh_interval: '1s',
                },
              ],
            },
          ]),
          agent: true,
        }),
      ),
    );
    // Every target must reach the receiver before the observation window starts.
    await waitFor(
      'every target at the receiver',
      async () => {
        const up = await receiver.query('count(up{job="demo"})');
        return up[0]?.value === TARGETS ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const windowStart = await counters(receiver, agents);
    await new Promise((r) => setTimeout(r, OBSERVE_MS));
    const windowEnd = await counters(receiver, agents);
    const windowS = Math.floor(OBSERVE_MS / 1000) - 2;
    const samples = await receiver.query(`count_over_time(up{job="demo"}[${windowS}s])`);
    const perTarget = samples.map((s) => s.value);
    console.info(
      `sharded: counters ${JSON.stringify(windowEnd)}; up samples per target over ${windowS}s at 1s interval: ` +
        `min ${Math.min(...perTarget)} max ${Math.max(...perTarget)}`,
    );
    expect(windowEnd.outOfOrder).toBe(0);
    expect(windowEnd.writeErrors).toBe(0);
    expect(windowEnd.agentSamplesFailed).toBe(0);
    expect(windowEnd.agentSamplesSent).toBeGreaterThan(windowStart.agentSamplesSent);
    expect(samples).toHaveLength(TARGETS);
    // Exactly once: one scrape per interval per target; a second scraper would double the count.
    expect(Math.max(...perTarget)).toBeLessThanOrEqual(windowS + 1);
    expect(Math.min(...perTarget)).toBeGreaterThanOrEqual(windowS - 2);
  });
});
