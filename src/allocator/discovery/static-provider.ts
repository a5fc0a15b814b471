import type { DiscoveryProvider, ProviderFactory } from './provider.js';
import { parseConfigTargetGroups } from './target-group-parser.js';

/**
 * `static_configs`: the whole list is one provider whose groups are numbered by their index, as
 * Prometheus numbers them. The groups are parsed (and validated) when the config loads; targets
 * with a `/` only pass in a job with relabel_configs, as in Prometheus.
 */
export const staticProviderFactory: ProviderFactory = (config, context): DiscoveryProvider => {
  const groups = parseConfigTargetGroups(config, {
    where: `job "${context.job}": static_configs`,
    sourceOf: (i) => String(i),
    allowUrlTargets: context.jobRelabels === true,
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
