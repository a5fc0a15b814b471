import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startAllocator, type AllocatorProcess } from './support/allocator-process.js';
import { startMetricTargets, type MetricTargets } from './support/metric-targets.js';
import { freePort, ProcessGroup, waitFor } from './support/processes.js';
import { startPrometheus, type PrometheusInstance } from './support/prometheus.js';

/**
 * The allocator's promise, checked with real Prometheus servers standing in for a collector pool:
 * each server discovers its share over http_sd from a real `otel-ta allocator` process, and every
 * target ends up scraped by exactly one server, before and after the pool grows.
 */

const TARGETS = 60;
const JOBS = ['node', 'app', 'db'];

/** `job/instance` -> the Prometheus servers that scrape it successfully. */
type Assignment = Map<string, string[]>;

async function assignment(servers: readonly PrometheusInstance[]): Promise<Assignment> {
  const result: Assignment = new Map();
  for (const server of servers) {
    for (const t of await server.activeTargets()) {
      if (t.health !== 'up') continue;
      const key = `${t.job}/${t.instance}`;
      result.set(key, [...(result.get(key) ?? []), server.name]);
    }
  }
  return result;
}

function prometheusConfig(allocatorUrl: string, collectorId: string): Record<string, unknown> {
  return {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: JOBS.map((job) => ({
      job_name: job,
      http_sd_configs: [
        {
          url: `${allocatorUrl}/jobs/${encodeURIComponent(job)}/targets?collector_id=${collectorId}`,
          refresh_interval: '1s',
        },
      ],
    })),
  };
}

describe('sharding across real Prometheus servers', () => {
  let group: ProcessGroup;
  let targets: MetricTargets;
  let allocatorPort: number;
  let allocator: AllocatorProcess | undefined;
  const servers: PrometheusInstance[] = [];
  let expected: Set<string>;

  const scrapeConfigs = (): Record<string, unknown>[] =>
    JOBS.map((job, j) => ({
      job_name: job,
      scrape_interval: '1s',
      static_configs: [
        {
          targets: targets.addresses.filter((_, i) => i % JOBS.length === j),
          labels: { tier: job },
        },
      ],
    }));

  const pool = (size: number): string[] => Array.from({ length: size }, (_, i) => `prom-${i}`);

  const addServer = async (i: number): Promise<void> => {
    servers.push(
      await startPrometheus(group, {
        name: `prom-${i}`,
        config: prometheusConfig(`http://127.0.0.1:${allocatorPort}`, `prom-${i}`),
      }),
    );
  };

  /** What the allocator serves: `job/address` -> collector id. */
  const served = async (): Promise<Map<string, string>> => {
    const result = new Map<string, string>();
    for (const server of servers) {
      for (const job of JOBS) {
        const res = await fetch(
          `http://127.0.0.1:${allocatorPort}/jobs/${job}/targets?collector_id=${server.name}`,
        );
        for (const group of (await res.json()) as Array<{ targets: string[] }>) {
          for (const address of group.targets) result.set(`${job}/${address}`, server.name);
        }
      }
    }
    return result;
  };

  // Settled means: every expected target is scraped successfully by exactly one server, and that
  // server is the one the allocator assigned it to (so a stale pre-change state does not count).
  const waitForExactlyOnce = async (what: string): Promise<Assignment> =>
    waitFor(
      what,
      async () => {
        const current = await assignment(servers);
        const wanted = await served();
        const exact =
          current.size === expected.size &&
          wanted.size === expected.size &&
          [...expected].every((key) => {
            const where = current.get(key);
            return where?.length === 1 && where[0] === wanted.get(key);
          });
        return exact ? current : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 500 },
    );

  beforeAll(async () => {
    group = await ProcessGroup.create('otel-ta-e2e-sharding');
    targets = await startMetricTargets(TARGETS);
    expected = new Set(
      targets.addresses.map((address, i) => `${JOBS[i % JOBS.length]!}/${address}`),
    );
    allocatorPort = await freePort();
    allocator = await startAllocator(group, {
      name: 'allocator',
      port: allocatorPort,
      collectorIds: pool(3),
      collectorsIn: 'file',
      scrapeConfigs: scrapeConfigs(),
    });
    await Promise.all([0, 1, 2].map((i) => addServer(i)));
  }, 120_000);

  afterAll(async () => {
    await group?.stopAll();
    await targets?.stop();
  });

  it('scrapes every target by exactly one of 3 servers, then of 4 after the pool grows', async () => {
    onTestFailed(async () => {
      console.error(await group.tails());
    });
    const started = Date.now();
    const before = await waitForExactlyOnce('every target on exactly one of 3 servers');
    const perServer = servers.map(
      (s) => [...before.values()].filter((v) => v[0] === s.name).length,
    );
    console.info(
      `3 servers: ${before.size} targets exactly once in ${Date.now() - started} ms, per server ${perServer.join('/')}`,
    );
    expect(perServer.every((n) => n > 0)).toBe(true);

    // Grow the pool while everything runs: start the 4th server, then add it to the allocator's
    // config file, which the allocator reloads without a restart.
    await addServer(3);
    const grown = Date.now();
    await allocator!.setCollectors(pool(4));
    await waitFor(
      'the allocator to assign targets to prom-3 after the config reload',
      async () => ([...(await served()).values()].includes('prom-3') ? true : undefined),
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    console.info(`allocator reloaded the pool in ${Date.now() - grown} ms`);
    const after = await waitForExactlyOnce('every target on exactly one of 4 servers');
    const movedKeys = [...after].filter(([key, where]) => before.get(key)?.[0] !== where[0]);
    const moved = movedKeys.length;
    const movedToNew = movedKeys.filter(([, where]) => where[0] === 'prom-3').length;
    const perServerAfter = servers.map(
      (s) => [...after.values()].filter((v) => v[0] === s.name).length,
    );
    console.info(
      `4 servers: ${after.size} targets exactly once in ${Date.now() - grown} ms, per server ${perServerAfter.join('/')}, ` +
        `moved ${moved}/${after.size} = ${((moved / after.size) * 100).toFixed(1)}% (ideal 25%), ${movedToNew} of them to the new server`,
    );
    expect(after.size).toBe(TARGETS);
    expect(perServerAfter[3]).toBeGreaterThan(0);
    // Only targets that go to the new server need to move; allow slack for hashing variance.
    expect(moved / after.size).toBeLessThan(0.5);
  });
});
