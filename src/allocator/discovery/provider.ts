import type { Logger } from 'pino';
import type { Collector, TargetGroup } from '../model.js';

/**
 * Receives target groups from one provider. An update replaces earlier groups with the same
 * `source` (see `TargetGroup`). A `complete` list is everything the provider has now: any group it
 * sent before and not again is gone. Providers that re-read their whole source (files, HTTP, DNS,
 * static lists) send complete lists, which the receiver keeps as they came instead of indexing
 * them by source: with one target per group (file_sd, http_sd) that index costs ~100 bytes per
 * target.
 */
export type TargetGroupSink = (groups: readonly TargetGroup[], complete?: boolean) => void;

/** One `*_sd_configs` entry (or `static_configs`) of one job, running. */
export interface DiscoveryProvider {
  start(sink: TargetGroupSink): Promise<void>;
  stop(): Promise<void>;
}

export interface ProviderContext {
  readonly job: string;
  /** Index of this entry within its `*_sd_configs` list, as Prometheus numbers them. */
  readonly index: number;
  readonly logger: Logger;
  /** Directory relative paths in the config are resolved against (the config file's directory). */
  readonly baseDir: string;
  /**
   * The job has `relabel_configs`. Prometheus then accepts static targets that contain a `/`
   * (relabeling may rewrite them, as Probe jobs do with URLs); without, it refuses them at load.
   */
  readonly jobRelabels?: boolean | undefined;
}

/** Builds a provider from the raw (already YAML-parsed) config entry; throws UsageError when invalid. */
export type ProviderFactory = (config: unknown, context: ProviderContext) => DiscoveryProvider;

/** Where the collector pool comes from: a static list, or collector pods on Kubernetes. */
export interface CollectorSource {
  start(sink: (collectors: readonly Collector[]) => void): Promise<void>;
  stop(): Promise<void>;
}
