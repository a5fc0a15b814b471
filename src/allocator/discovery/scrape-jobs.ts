import type { Logger } from 'pino';
import type { AllocatorConfig } from '../../config/allocator-config.js';
import type { ScrapeConfig } from '../../config/allocator/prometheus-config.js';
import { scrapeJobSettingsFromConfig, TargetBuilder } from '../targets/index.js';
import { planJob, type JobPlan } from './job-plan.js';
import type { DiscoveryRegistry } from './registry.js';
import { dirname } from 'node:path';

/**
 * Plans one scrape job of a config: the job's settings (relabel rules compiled when
 * `filter_strategy: relabel-config`) and its discovery providers, built but not started. Any
 * problem (a bad relabel rule, an unknown `*_sd_configs` kind, a bad entry) throws a UsageError
 * naming the job. Also plans jobs that come from elsewhere (Prometheus CRs) under the same rules.
 */
export function createJobPlanner(
  config: AllocatorConfig,
  registry: DiscoveryRegistry,
  logger: Logger,
): (scrapeConfig: ScrapeConfig) => JobPlan {
  const baseDir = dirname(config.configFilePath);
  return (scrapeConfig) => {
    const settings = scrapeJobSettingsFromConfig(scrapeConfig, config.prometheus.global, {
      filterByRelabel: config.filterByRelabel,
    });
    // One builder per job for all its groups (its per-layout plans and workspaces are reused); the
    // discovery manager remembers each group's targets itself, so the builder need not.
    const builder = new TargetBuilder(settings, { rememberGroups: false });
    return planJob(scrapeConfig, (groups) => builder.build(groups).targets, {
      registry,
      logger,
      baseDir,
    });
  };
}

/**
 * Plans every scrape job of a config, so a bad config fails at load or is rejected by a reload
 * before anything changes.
 */
export function planScrapeJobs(
  config: AllocatorConfig,
  registry: DiscoveryRegistry,
  logger: Logger,
): JobPlan[] {
  return config.prometheus.scrapeConfigs.map(createJobPlanner(config, registry, logger));
}
