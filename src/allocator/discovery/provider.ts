import type { Logger } from 'pino';
import type { Collector, TargetGroup } from '../model.js';

/** Receives target groups from one provider; see `TargetGroup` for replace-by-source semantics. */
export type TargetGroupSink = (groups: readonly TargetGroup[]) => void;

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
}

/** Builds a provider from the raw (already YAML-parsed) config entry; throws UsageError when invalid. */
export type ProviderFactory = (config: unknown, context: ProviderContext) => DiscoveryProvider;

/** Where the collector pool comes from: a static list, or collector pods on Kubernetes. */
export interface CollectorSource {
  start(sink: (collectors: readonly Collector[]) => void): Promise<void>;
  stop(): Promise<void>;
}
