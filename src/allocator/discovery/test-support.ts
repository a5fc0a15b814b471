import { silentLogger } from '../../observability/logger.js';
import { createAllocatorMetrics, type AllocatorMetrics } from '../metrics.js';
import type { TargetGroup } from '../model.js';
import type { DiscoveryClock } from './clock.js';
import { systemClock } from './clock.js';
import type { DiscoveryDeps } from './deps.js';
import type { DnsResolver } from './dns-resolver.js';
import { nodeHttpGet } from './http-get.js';
import type { ProviderContext } from './provider.js';

/** Shared by the discovery tests: a context, deps with real HTTP, and a sink that records. */
export function testContext(overrides: Partial<ProviderContext> = {}): ProviderContext {
  return { job: 'test-job', index: 0, logger: silentLogger(), baseDir: '/', ...overrides };
}

const NO_DNS: DnsResolver = {
  resolveSrv: () => Promise.reject(new Error('no DNS in this test')),
  resolve4: () => Promise.reject(new Error('no DNS in this test')),
  resolve6: () => Promise.reject(new Error('no DNS in this test')),
  resolveMx: () => Promise.reject(new Error('no DNS in this test')),
  resolveNs: () => Promise.reject(new Error('no DNS in this test')),
};

export function testDeps(
  overrides: Partial<DiscoveryDeps> & { clock?: DiscoveryClock } = {},
): DiscoveryDeps & { metrics: AllocatorMetrics } {
  return {
    clock: systemClock,
    httpGet: nodeHttpGet,
    resolver: NO_DNS,
    metrics: createAllocatorMetrics({ defaultMetrics: false }),
    ...overrides,
  };
}

/** Records every emission and keeps the merged state by source, like the manager does. */
export class RecordingSink {
  readonly emissions: (readonly TargetGroup[])[] = [];
  readonly bySource = new Map<string, TargetGroup>();
  private waiters: (() => void)[] = [];

  readonly sink = (groups: readonly TargetGroup[], complete?: boolean): void => {
    this.emissions.push(groups);
    if (complete === true) this.bySource.clear();
    for (const g of groups) {
      if (g.targets.length === 0) this.bySource.delete(g.source);
      else this.bySource.set(g.source, g);
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  };

  addresses(): string[] {
    return [...this.bySource.values()]
      .flatMap((g) => g.targets.map((t) => t.__address__ ?? ''))
      .sort();
  }

  /** Resolves when `predicate` holds after some emission; rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('condition not met in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

export async function counterValue(
  metrics: AllocatorMetrics,
  name: 'discoveryErrors' | 'events',
): Promise<number> {
  const data = await metrics[name].get();
  return data.values.reduce((sum, v) => sum + v.value, 0);
}
