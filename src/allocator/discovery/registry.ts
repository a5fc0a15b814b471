import { UsageError } from '../../errors.js';
import type { DiscoveryDeps } from './deps.js';
import { createDnsSdFactory } from './dns-sd-provider.js';
import { createFileSdFactory } from './file-sd-provider.js';
import { createHttpSdFactory } from './http-sd-provider.js';
import type { ProviderFactory } from './provider.js';
import { staticProviderFactory } from './static-provider.js';

/**
 * Discovery mechanisms by scrape-config key (`file_sd_configs`, ...). `static_configs` is one
 * provider for the whole list; every other kind is one provider per list entry. Mechanisms that
 * live elsewhere (`kubernetes_sd_configs`) plug in with `register`.
 */
export class DiscoveryRegistry {
  private readonly factories = new Map<string, ProviderFactory>();

  register(kind: string, factory: ProviderFactory): this {
    if (kind !== 'static_configs' && !kind.endsWith('_sd_configs')) {
      throw new Error(`discovery kind "${kind}" must end with _sd_configs`);
    }
    this.factories.set(kind, factory);
    return this;
  }

  has(kind: string): boolean {
    return this.factories.has(kind);
  }

  kinds(): string[] {
    return [...this.factories.keys()].sort();
  }

  /** The factory for `kind`; an unknown kind is a usage error naming the job and the kind. */
  factory(kind: string, job: string): ProviderFactory {
    const factory = this.factories.get(kind);
    if (factory === undefined) {
      throw new UsageError(
        'DISCOVERY_KIND_UNSUPPORTED',
        `job "${job}": ${kind} is not a supported service discovery (supported: ${this.kinds().join(', ')})`,
      );
    }
    return factory;
  }
}

/** The mechanisms built into this package: static, file, HTTP and DNS. */
export function createDiscoveryRegistry(deps: DiscoveryDeps): DiscoveryRegistry {
  return new DiscoveryRegistry()
    .register('static_configs', staticProviderFactory)
    .register('file_sd_configs', createFileSdFactory(deps))
    .register('http_sd_configs', createHttpSdFactory(deps))
    .register('dns_sd_configs', createDnsSdFactory(deps));
}
