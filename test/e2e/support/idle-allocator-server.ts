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
 * The allocator's HTTP and mTLS listeners over an empty allocation, on loopback ports picked by the
 * system: for tests of the listeners themselves (TLS settings, timeouts, certificate files).
 */
export function idleAllocatorServer(
  https: AllocatorHttpsConfig,
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
