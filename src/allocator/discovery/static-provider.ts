import type { DiscoveryProvider, ProviderFactory } from './provider.js';
import { parseConfigTargetGroups } from './target-group-parser.js';

/**
 * `static_configs`: the whole list is one provider whose groups are numbered by their index, as
 * Prometheus numbers them. The groups are parsed (and validated) when the config loads.
 */
export const staticProviderFactory: ProviderFactory = (config, context): DiscoveryProvider => {
  const groups = parseConfigTargetGroups(config, {
    where: `job "${context.job}": static_configs`,
    sourceOf: (i) => String(i),
  });
  return {
    start(sink): Promise<void> {
      sink(groups, true);
      return Promise.resolve();
    },
    stop(): Promise<void> {
      return Promise.resolve();
    },
  };
};
