// The allocator as an operator runs it on Kubernetes: /readyz, start and stop around the collector
// pod watch. The pod list-watch is the in-memory collection (no API server runs in this test)
// behind a gate that stands for an API server that has not answered yet.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesCollectorSource } from '../../src/allocator/collectors/kubernetes-collector-source.js';
import { systemClock } from '../../src/allocator/discovery/clock.js';
import { systemDnsResolver } from '../../src/allocator/discovery/dns-resolver.js';
import { nodeHttpGet } from '../../src/allocator/discovery/http-get.js';
import type { Pod } from '../../src/allocator/discovery/kubernetes/kube-types.js';
import {
  gatedList,
  MemoryCollection,
} from '../../src/allocator/discovery/kubernetes/memory-list-watch.js';
import { createDiscoveryRegistry } from '../../src/allocator/discovery/registry.js';
import { createAllocatorMetrics } from '../../src/allocator/metrics.js';
import { AllocatorService } from '../../src/allocator/service.js';
import { loadAllocatorConfig } from '../../src/config/allocator-config.js';
import { silentLogger } from '../../src/observability/logger.js';

const CONFIG = `listen_addr: 127.0.0.1:0
collector_namespace: obs
collector_selector: {matchLabels: {app: collector}}
config:
  scrape_configs:
    - job_name: app
      static_configs: [{targets: ["10.0.0.1:8080", "10.0.0.2:8080"]}]
`;

function readyPod(name: string): Pod {
  const now = new Date().toISOString();
  return {
    metadata: { name, namespace: 'obs', creationTimestamp: now },
    spec: { nodeName: 'n1' },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
    },
  };
}

describe('allocator on Kubernetes: ready only once the collector pool is known', () => {
  let dir: string | undefined;
  let service: AllocatorService | undefined;
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function setup(): Promise<{ open: () => void; starting: Promise<void> }> {
    dir = mkdtempSync(join(tmpdir(), 'review-runtime-'));
    writeFileSync(join(dir, 'ta.yaml'), CONFIG);
    const load = () => loadAllocatorConfig({ configFile: join(dir!, 'ta.yaml') }, {});
    const pods = new MemoryCollection<Pod>();
    pods.put(readyPod('collector-0'));
    const { source: gated, open } = gatedList(pods);
    const metrics = createAllocatorMetrics({ defaultMetrics: false });
    service = new AllocatorService({
      config: await load(),
      loadConfig: load,
      registry: createDiscoveryRegistry({
        clock: systemClock,
        httpGet: nodeHttpGet,
        resolver: systemDnsResolver(),
        metrics,
      }),
      logger: silentLogger(),
      metrics,
      clock: systemClock,
      watchConfigFile: false,
      collectorSource: (config) =>
        new KubernetesCollectorSource({
          pods: gated,
          clock: systemClock,
          logger: silentLogger(),
          gracePeriodMs: config.collectorNotReadyGracePeriodMs,
        }),
    });
    const starting = service.start();
    // httpAddress() throws until the server listens; the start is still pending meanwhile.
    const listening = (): boolean => {
      try {
        return service?.httpAddress() !== undefined;
      } catch {
        return false;
      }
    };
    while (!listening()) await new Promise((r) => setTimeout(r, 5));
    return { open, starting };
  }

  it('answers /readyz 503 while the pod list is pending, then 200 with every target on the pod', async () => {
    const { open, starting } = await setup();
    const base = `http://127.0.0.1:${service!.httpAddress()!.port}`;
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    open();
    await starting;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const groups = (await (
      await fetch(`${base}/jobs/app/targets?collector_id=collector-0`)
    ).json()) as { targets: string[] }[];
    expect(groups.flatMap((g) => g.targets).sort()).toEqual(['10.0.0.1:8080', '10.0.0.2:8080']);
  });

  it('stops cleanly (start settles, the port is released) when stopped before the API server answered', async () => {
    const { starting } = await setup();
    const port = service!.httpAddress()!.port;
    const stopped = service!.stop();
    service = undefined;
    await stopped;
    await starting;
    await expect(fetch(`http://127.0.0.1:${port}/livez`)).rejects.toThrow();
  });
});

describe('allocator start when the listen port is taken', () => {
  it('fails with the setting to change, and stops what it had started', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'review-runtime-'));
    try {
      writeFileSync(
        join(dir, 'ta.yaml'),
        `listen_addr: 127.0.0.1:${port}\ncollectors: [c-0]\nconfig:\n  scrape_configs:\n    - job_name: app\n      static_configs: [{targets: ["10.0.0.1:8080"]}]\n`,
      );
      const load = () => loadAllocatorConfig({ configFile: join(dir, 'ta.yaml') }, {});
      const metrics = createAllocatorMetrics({ defaultMetrics: false });
      const service = new AllocatorService({
        config: await load(),
        loadConfig: load,
        registry: createDiscoveryRegistry({
          clock: systemClock,
          httpGet: nodeHttpGet,
          resolver: systemDnsResolver(),
          metrics,
        }),
        logger: silentLogger(),
        metrics,
        clock: systemClock,
        watchConfigFile: false,
      });
      const started = service.start();
      await expect(started).rejects.toThrow(
        `cannot listen on listen_addr 127.0.0.1:${port} (EADDRINUSE): free the port or choose another with listen_addr or --listen-addr`,
      );
      await expect(started).rejects.toMatchObject({ code: 'LISTEN_FAILED' });
      await service.stop();
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
