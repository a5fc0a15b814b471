import type { LabelSelector } from './label-selector.js';
import type { PrometheusConfig } from './prometheus-config.js';
import type { PrometheusCrConfig } from './prometheus-cr.js';

export interface HttpsConfig {
  readonly enabled: boolean;
  readonly listenAddr: string;
  readonly caFilePath: string | undefined;
  readonly tlsCertFilePath: string | undefined;
  readonly tlsKeyFilePath: string | undefined;
}

/** The allocator's settings after defaults < file < env < flags and one validation step; frozen. */
export interface AllocatorConfig {
  /** The file this config came from; relative paths inside it resolve against its directory. */
  readonly configFilePath: string;
  readonly listenAddr: string;
  readonly kubeConfigFilePath: string | undefined;
  readonly collectorNamespace: string | undefined;
  readonly collectorSelector: LabelSelector | undefined;
  readonly prometheus: PrometheusConfig;
  readonly allocationStrategy: string;
  readonly allocationFallbackStrategy: string | undefined;
  /**
   * Extension (`allocation_rebalance_on_join`): `least-weighted` (alone or as `per-node`'s
   * fallback) moves to a joining collector the fewest targets that level it; upstream never does.
   */
  readonly allocationRebalanceOnJoin: boolean;
  readonly filterStrategy: string;
  /** `filter_strategy: relabel-config` turns relabel filtering on; any other value turns it off. */
  readonly filterByRelabel: boolean;
  readonly prometheusCr: PrometheusCrConfig;
  readonly https: HttpsConfig;
  readonly allowInsecureAuthSecrets: boolean;
  /** 0 disables the grace period. */
  readonly collectorNotReadyGracePeriodMs: number;
  /**
   * Extension (`collector_refresh_interval`): how often the collectors poll each job's targets, as
   * the webhook's rewrite set it; the handoff's time bound counts on it (docs/rebalancing.md).
   */
  readonly collectorRefreshIntervalMs: number;
  /**
   * Extension (`collector_silence_timeout`, default 3 refresh intervals): a collector seen polling
   * that then polls no more for this long is left out of the pool until it polls again; 0: never.
   */
  readonly collectorSilenceTimeoutMs: number;
  /**
   * Extension (`collector_departure_grace_period`, default 10s): a departed StatefulSet pod keeps
   * its targets this long for a successor of the same name; 0: targets move at once.
   */
  readonly collectorDepartureGraceMs: number;
  /** Extension: a static collector pool (`collectors` key, `--collector-ids`); undefined = Kubernetes pods. */
  readonly collectors: readonly string[] | undefined;
  /**
   * Extension (`response_cache_max_mb`, `--response-cache-max-mb`): most bytes of plain JSON kept
   * for hot target bodies; bodies are otherwise kept gzip-compact and inflated per request (see
   * ResponseCache). Undefined: no limit.
   */
  readonly responseCacheMaxBytes: number | undefined;
  readonly logLevel: string;
}

/** Command-line flags of `otel-ta allocator`, as commander parses them. */
export interface AllocatorFlags {
  readonly configFile?: string | undefined;
  readonly listenAddr?: string | undefined;
  readonly collectorIds?: string | undefined;
  readonly enablePrometheusCrWatcher?: boolean | undefined;
  readonly kubeconfigPath?: string | undefined;
  readonly enableHttpsServer?: boolean | undefined;
  readonly listenAddrHttps?: string | undefined;
  readonly httpsCaFile?: string | undefined;
  readonly httpsTlsCertFile?: string | undefined;
  readonly httpsTlsKeyFile?: string | undefined;
  readonly allowInsecureAuthSecrets?: boolean | undefined;
  readonly responseCacheMaxMb?: string | undefined;
  readonly logLevel?: string | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;
