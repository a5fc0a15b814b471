import type { AllocatorMetrics } from '../metrics.js';
import type { DiscoveryClock } from './clock.js';
import type { DnsResolver } from './dns-resolver.js';
import type { HttpGet } from './http-get.js';

/** What discovery mechanisms need from the outside world; injected so tests need no module mocks. */
export interface DiscoveryDeps {
  readonly clock: DiscoveryClock;
  readonly httpGet: HttpGet;
  readonly resolver: DnsResolver;
  readonly metrics?: AllocatorMetrics | undefined;
}

/** Counts a failed refresh (the last good result is kept) in `otel_ta_discovery_errors_total`. */
export function countDiscoveryError(deps: DiscoveryDeps, job: string, mechanism: string): void {
  deps.metrics?.discoveryErrors.inc({ job_name: job, mechanism });
}
