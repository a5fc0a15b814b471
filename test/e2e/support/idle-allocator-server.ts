import { Allocator } from '../../../src/allocator/allocator.js';
import { createAllocatorMetrics } from '../../../src/allocator/metrics.js';
import {
  createAllocatorServer,
  type AllocatorHttpsConfig,
  type AllocatorServer,
  type AllocatorServerDeps,
} from '../../../src/allocator/server/allocator-server.js';
import { createStrategy } from '../../../src/allocator/strategies/registry.js';
import { silentLogger } from '../../../src/observability/logger.js';

/**
 * The allocator's HTTP (and, given `https`, mTLS) listeners on loopback ports picked by the system,
 * over an empty allocation unless `overrides.view` brings one: for tests of the listeners themselves
 * (TLS settings, timeouts, certificate files) and of what the HTTP API serves.
 */
export function idleAllocatorServer(
  https?: AllocatorHttpsConfig,
  overrides: Partial<AllocatorServerDeps> = {},
): AllocatorServer {
  return createAllocatorServer({
    view: new Allocator({ strategy: createStrategy('consistent-hashing') }),
    scrapeConfigs: () => ({}),
    isReady: () => true,
    metrics: createAllocatorMetrics({ defaultMetrics: false }),
    logger: silentLogger(),
    listenAddr: '127.0.0.1:0',
    allowInsecureAuthSecrets: false,
    strategy: 'consistent-hashing',
    https,
    ...overrides,
  });
}
