import { watch, type FSWatcher } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import type { AllocatorConfig } from '../config/allocator-config.js';
import type { ScrapeConfig } from '../config/allocator/prometheus-config.js';
import { OtelTaError, UsageError } from '../errors.js';
import { Allocator } from './allocator.js';
import { StaticCollectorSource } from './collectors/static-collector-source.js';
import type { DiscoveryClock } from './discovery/clock.js';
import { DiscoveryManager } from './discovery/discovery-manager.js';
import { HandoffCoordinator } from './handoff/handoff-coordinator.js';
import { publishHandoffMetrics } from './handoff/handoff-metrics.js';
import { globalScrapeIntervalMs, scrapeIntervalsByJob } from './handoff/scrape-intervals.js';
import type { JobPlan } from './discovery/job-plan.js';
import type { CollectorSource } from './discovery/provider.js';
import type { DiscoveryRegistry } from './discovery/registry.js';
import { createJobPlanner, planScrapeJobs } from './discovery/scrape-jobs.js';
import type { AllocatorMetrics } from './metrics.js';
import type { AllocationView, Collector } from './model.js';
import type { JobPlanner, MonitorJob } from './prometheus-cr/prometheus-cr-watcher.js';
import {
  createAllocatorServer,
  type AllocatorServer,
  type AllocatorServerDeps,
} from './server/allocator-server.js';
import { createStrategy } from './strategies/registry.js';
import type { AllocationStrategy } from './strategies/strategy.js';

export interface AllocatorServiceDeps {
  /** The validated config to start with. */
  readonly config: AllocatorConfig;
  /** Re-reads the config (file < env < flags) for a reload; owned by the command. */
  readonly loadConfig: () => Promise<AllocatorConfig>;
  readonly registry: DiscoveryRegistry;
  readonly logger: Logger;
  readonly metrics: AllocatorMetrics;
  readonly clock: DiscoveryClock;
  /** The collector pool when the config has no static one (the Kubernetes pod watcher). */
  readonly collectorSource?: ((config: AllocatorConfig) => CollectorSource) | undefined;
  readonly createServer?: ((deps: AllocatorServerDeps) => AllocatorServer) | undefined;
  /** Prometheus CR discovery (ServiceMonitors, PodMonitors), started when `prometheus_cr.enabled`. */
  readonly prometheusCrSource?:
    ((config: AllocatorConfig, planner: JobPlanner) => DynamicJobSource) | undefined;
  /** Reload when the config file changes (default true). */
  readonly watchConfigFile?: boolean | undefined;
  readonly coalesceMs?: number | undefined;
}

/** Scrape jobs that come and go while the allocator runs (the Prometheus CR watcher). */
export interface DynamicJobSource {
  /** The sink receives the complete current set of jobs on every change. */
  start(sink: (jobs: readonly MonitorJob[]) => void): Promise<void>;
  /** The config's job settings changed (reload): plan every job again with this planner. */
  setPlanner(planner: JobPlanner): void;
  stop(): Promise<void>;
}

/** A config turned into running parts, checked before anything starts or changes. */
interface ServicePlan {
  readonly config: AllocatorConfig;
  readonly strategy: AllocationStrategy;
  readonly jobs: readonly JobPlan[];
}

/**
 * Settings a running service does not swap; a reload that changes them logs that a restart applies
 * them. Exception: the pod pool's selector and grace period (POOL_KEYS), which a reload applies
 * with a new pod watch.
 */
const RESTART_KEYS = [
  'listenAddr',
  'https',
  'allocationStrategy',
  'allocationFallbackStrategy',
  'allocationRebalanceOnJoin',
  'kubeConfigFilePath',
  'collectorNamespace',
  'collectorSelector',
  'collectorNotReadyGracePeriodMs',
  'prometheusCr',
  'allowInsecureAuthSecrets',
  'collectorRefreshIntervalMs',
  'collectorSilenceTimeoutMs',
  'collectorDepartureGraceMs',
] as const;

/** Pool settings a reload applies by starting a new pod watch and switching once it has listed. */
const POOL_KEYS = [
  'collectorNamespace',
  'collectorSelector',
  'collectorNotReadyGracePeriodMs',
] as const;

/** How long a reload waits for the first pod list of a changed pool before keeping the old one. */
const POOL_SWITCH_TIMEOUT_MS = 30_000;

const CONFIG_WATCH_COALESCE_MS = 100;

/** Per part of stop(); a few parts fit in Kubernetes' default 30 s termination grace period. */
const STOP_PART_TIMEOUT_MS = 5_000;

/**
 * The running allocator: config -> discovery -> target builder -> allocator -> HTTP server, plus
 * the collector pool. start() and stop() run the parts in order; reload() swaps in a new config
 * (from the file watch or SIGHUP) job by job, and a bad config keeps the last good one.
 */
export class AllocatorService {
  private plan: ServicePlan | undefined;
  /** The config the running parts were built from: settings that apply on restart compare to it. */
  private startedConfig: AllocatorConfig | undefined;
  /** The config the collector pod watch runs with (a reload can replace the watch). */
  private poolConfig: AllocatorConfig | undefined;
  private allocator: Allocator | undefined;
  private handoff: HandoffCoordinator | undefined;
  /** Each job's scrape interval in ms, for the handoff's hold times. */
  private scrapeIntervals: ReadonlyMap<string, number> = new Map();
  /** The handoff counts already added to the counter, per reason. */
  private readonly handoffsCounted = new Map<string, number>();
  private discovery: DiscoveryManager | undefined;
  private server: AllocatorServer | undefined;
  private collectors: CollectorSource | undefined;
  /** A reload's new pool source while it makes its first list; stop() stops it too. */
  private nextCollectors: CollectorSource | undefined;
  private dynamicJobs: DynamicJobSource | undefined;
  /** The latest jobs from the dynamic source; they join the config file's jobs. */
  private monitorJobs: readonly MonitorJob[] = [];
  private scrapeConfigs: Readonly<Record<string, unknown>> = {};
  private ready = false;
  private watcher: FSWatcher | undefined;
  private cancelReloadTimer: (() => void) | undefined;
  private reloading: Promise<boolean> = Promise.resolve(true);
  private starting: Promise<void> | undefined;
  private queuedReload: Promise<boolean> | undefined;
  private stopping = false;
  private readonly logger: Logger;

  constructor(private readonly deps: AllocatorServiceDeps) {
    this.logger = deps.logger.child({ component: 'allocator-service' });
  }

  /** The allocation state, for tests and the demo page. Undefined before start(). */
  view(): AllocationView | undefined {
    return this.allocator;
  }

  httpAddress(): AddressInfo | undefined {
    return this.server?.httpAddress();
  }

  httpsAddress(): AddressInfo | undefined {
    return this.server?.httpsAddress();
  }

  currentConfig(): AllocatorConfig {
    return this.plan?.config ?? this.deps.config;
  }

  /**
   * Resolves once the collector pool is known and the file's jobs are processed; /readyz says 200
   * from then on. A stop() meanwhile (SIGTERM while the API server does not answer) ends it.
   */
  start(): Promise<void> {
    this.starting = this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    const plan = this.buildPlan(this.deps.config);
    const { config } = plan;
    const { metrics } = this.deps;
    // Built before anything listens, so a config without a usable collector pool fails cleanly.
    this.collectors = this.createCollectorSource(config);
    const allocator = new Allocator({
      strategy: plan.strategy,
      onTiming: (t) =>
        metrics.timeToAllocate.observe({ method: t.method, strategy: t.strategy }, t.seconds),
    });
    allocator.onChange(() => this.updateAllocationMetrics());
    this.allocator = allocator;
    this.plan = plan;
    this.startedConfig = config;
    this.setScrapeConfigs(config, scrapeConfigsByJob(config));
    const handoff = new HandoffCoordinator({
      allocator,
      clock: this.deps.clock,
      logger: this.deps.logger,
      settings: {
        refreshIntervalMs: config.collectorRefreshIntervalMs,
        silenceMs: config.collectorSilenceTimeoutMs,
        departureGraceMs: config.collectorDepartureGraceMs,
      },
      scrapeIntervalMs: (job) => this.scrapeIntervals.get(job) ?? this.defaultScrapeIntervalMs(),
    });
    this.handoff = handoff;
    metrics.beforeCollect(() =>
      publishHandoffMetrics(metrics, handoff.status(), this.handoffsCounted),
    );
    this.discovery = new DiscoveryManager({
      writer: allocator,
      logger: this.deps.logger,
      clock: this.deps.clock,
      metrics,
      ...(this.deps.coalesceMs === undefined ? {} : { coalesceMs: this.deps.coalesceMs }),
    });
    const createServer = this.deps.createServer ?? createAllocatorServer;
    this.server = createServer({
      view: handoff.view,
      recordPoll: (job, collectorId) => handoff.recordPoll(job, collectorId),
      handoffStatus: () => handoff.status(),
      scrapeConfigs: () => this.scrapeConfigs,
      isReady: () => this.ready,
      metrics,
      logger: this.deps.logger,
      listenAddr: config.listenAddr,
      allowInsecureAuthSecrets: config.allowInsecureAuthSecrets,
      https: httpsSettings(config),
      strategy: plan.strategy.name,
      responseCacheMaxBytes: config.responseCacheMaxBytes,
    });
    await this.server.start().catch((err: unknown) => {
      throw listenError(err, config);
    });
    const source = this.collectors;
    await source.start((collectors) => this.setCollectors(collectors, source));
    if (this.stopping) return;
    await this.discovery.apply(plan.jobs);
    // Processed now rather than after the coalescing window, so the first ready answer has them.
    this.discovery.flush();
    if (this.stopping) return;
    this.ready = true;
    await this.startDynamicJobs(config);
    if (this.stopping) return;
    if (this.deps.watchConfigFile ?? true) this.watchConfigFile(config.configFilePath);
    this.logger.info(
      { jobs: plan.jobs.length, strategy: plan.strategy.name, address: this.server.httpAddress() },
      'allocator started',
    );
  }

  /**
   * Re-reads the config and applies it. A config that fails to load or plan is logged and counted
   * and changes nothing. Resolves true when the new config is in place.
   */
  reload(): Promise<boolean> {
    // Reloads asked while one waits its turn share it: it reads the file when it runs, so a burst
    // (SIGHUPs, a GitOps sync touching the file many times) costs one load, not one each.
    if (this.queuedReload !== undefined) return this.queuedReload;
    const queued = this.reloading.then(() => {
      this.queuedReload = undefined;
      // Never a rejected chain: it would fail every later reload and the stop() that awaits it.
      return this.reloadOnce().catch((err: unknown) => {
        this.deps.metrics.configReloads.inc({ result: 'failure' });
        this.logger.error({ err }, 'config reload failed; keeping the last good config');
        return false;
      });
    });
    this.queuedReload = queued;
    this.reloading = queued;
    return queued;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.ready = false;
    this.cancelReloadTimer?.();
    this.watcher?.close();
    this.watcher = undefined;
    // First, so that a start still waiting for the first pod list returns; then wait for it.
    await this.within('collector pool', this.collectors?.stop());
    await this.within('collector pool', this.nextCollectors?.stop());
    await this.within(
      'start',
      this.starting?.catch(() => undefined),
    );
    await this.within('prometheus_cr', this.dynamicJobs?.stop());
    this.dynamicJobs = undefined;
    await this.within('reload', this.reloading);
    await this.server?.stop();
    this.handoff?.stop();
    await this.within('discovery', this.discovery?.stop());
    this.logger.info('allocator stopped');
  }

  /**
   * Waits for a part to stop, at most STOP_PART_TIMEOUT_MS: a part that never settles (a watch whose
   * API server never answered) must not keep a SIGTERM from ending the pod within its grace period.
   * Node would otherwise exit 13 (unsettled await) without the 'allocator stopped' line.
   */
  private async within(part: string, stopping: Promise<unknown> | undefined): Promise<void> {
    if (stopping === undefined) return;
    let cancel: (() => void) | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      cancel = this.deps.clock.setTimeout(() => resolve(true), STOP_PART_TIMEOUT_MS);
    });
    const late = await Promise.race([stopping.then(() => false), timedOut]);
    cancel?.();
    if (late) {
      this.logger.warn(
        { part, timeoutMs: STOP_PART_TIMEOUT_MS },
        'a part of the allocator did not stop in time; stopping without waiting for it',
      );
    }
  }

  /** Checks everything a config needs beyond parsing; errors name the config file. */
  private buildPlan(config: AllocatorConfig): ServicePlan {
    try {
      const strategy = createStrategy(config.allocationStrategy, {
        fallbackStrategy: config.allocationFallbackStrategy,
        rebalanceOnJoin: config.allocationRebalanceOnJoin,
      });
      const jobs = planScrapeJobs(config, this.deps.registry, this.deps.logger);
      return { config, strategy, jobs };
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      throw new UsageError(err.code, `config file ${config.configFilePath}: ${err.message}`, {
        cause: err,
      });
    }
  }

  private createCollectorSource(config: AllocatorConfig): CollectorSource {
    if (config.collectors !== undefined) return new StaticCollectorSource(config.collectors);
    if (this.deps.collectorSource !== undefined) return this.deps.collectorSource(config);
    throw new UsageError(
      'NO_COLLECTOR_SOURCE',
      'collector discovery on Kubernetes is not available in this build; give a static collector pool (collectors or --collector-ids)',
    );
  }

  /** Emissions of a source that is no longer the current one (a reload replaced it) are dropped. */
  private setCollectors(collectors: readonly Collector[], source: CollectorSource): void {
    if (source !== this.collectors) return;
    this.deps.metrics.collectorsDiscovered.set(collectors.length);
    this.handoff?.setCollectors(collectors);
    this.deps.metrics.events.inc({ source: 'collectors' });
  }

  private async reloadOnce(): Promise<boolean> {
    const current = this.plan;
    if (current === undefined || this.discovery === undefined) return false;
    let next: ServicePlan;
    try {
      next = this.buildPlan(await this.deps.loadConfig());
    } catch (err) {
      this.deps.metrics.configReloads.inc({ result: 'failure' });
      this.logger.error({ err }, 'config reload failed; keeping the last good config');
      return false;
    }
    if (JSON.stringify(next.config) === JSON.stringify(current.config)) return true;
    // Against what runs, not the last reload: a pending change is named on every reload until
    // a restart applies it (the last reload's config has it already).
    const running = this.startedConfig ?? current.config;
    const differs = (key: (typeof RESTART_KEYS)[number], from: AllocatorConfig): boolean =>
      JSON.stringify(next.config[key]) !== JSON.stringify(from[key]);
    // The pod watch's settings apply now (a new watch); the namespace also feeds kubernetes_sd's
    // own_namespace and the Prometheus CR watcher, which take it on restart.
    let pool = this.poolConfig ?? running;
    if (
      POOL_KEYS.some((key) => differs(key, pool)) &&
      next.config.collectors === undefined &&
      running.collectors === undefined &&
      (await this.switchCollectorSource(next.config))
    ) {
      pool = next.config;
      this.poolConfig = next.config;
    }
    const needRestart: string[] = RESTART_KEYS.filter((key) =>
      key === 'collectorSelector' || key === 'collectorNotReadyGracePeriodMs'
        ? differs(key, pool)
        : differs(key, running),
    );
    // Switching between the static pool and Kubernetes pods swaps the collector source itself.
    if ((next.config.collectors === undefined) !== (running.collectors === undefined)) {
      needRestart.push('collectors');
    }
    if (needRestart.length > 0) {
      this.logger.warn({ settings: needRestart }, 'config reload: these settings apply on restart');
    }
    const ids = next.config.collectors;
    if (ids !== undefined && this.collectors instanceof StaticCollectorSource) {
      this.collectors.update(ids);
    }
    this.plan = { ...next, strategy: current.strategy };
    await this.applyJobs();
    // Monitor jobs are planned with the config's global settings and filter strategy too.
    this.dynamicJobs?.setPlanner(
      createJobPlanner(next.config, this.deps.registry, this.deps.logger),
    );
    this.deps.metrics.configReloads.inc({ result: 'success' });
    this.logger.info({ jobs: next.jobs.length }, 'config reloaded');
    this.deps.metrics.events.inc({ source: 'config' });
    return true;
  }

  /**
   * A changed pod pool (namespace, selector, grace period): the new pod watch starts beside the old
   * one, and the pool switches once it has listed, so targets never see an empty pool. A new watch
   * that cannot list (RBAC for a new namespace, say) is given up and the old pool kept.
   */
  private async switchCollectorSource(config: AllocatorConfig): Promise<boolean> {
    const next = this.createCollectorSource(config);
    this.nextCollectors = next;
    let latest: readonly Collector[] | undefined;
    let timedOut = false;
    const cancelTimeout = this.deps.clock.setTimeout(() => {
      timedOut = true;
      void next.stop();
    }, POOL_SWITCH_TIMEOUT_MS);
    try {
      await next.start((collectors) => {
        if (this.collectors === next) this.setCollectors(collectors, next);
        else latest = collectors;
      });
    } finally {
      cancelTimeout();
      this.nextCollectors = undefined;
    }
    if (timedOut || this.stopping || latest === undefined) {
      await next.stop();
      this.logger.error(
        { timeoutMs: POOL_SWITCH_TIMEOUT_MS },
        'config reload: cannot list the collector pods of the new collector_namespace/collector_selector; keeping the current pool (check the allocator can list pods there)',
      );
      return false;
    }
    const old = this.collectors;
    this.collectors = next;
    this.setCollectors(latest, next);
    await old?.stop();
    return true;
  }

  private async startDynamicJobs(config: AllocatorConfig): Promise<void> {
    if (!config.prometheusCr.enabled) return;
    const create = this.deps.prometheusCrSource;
    if (create === undefined) {
      this.logger.error('prometheus_cr is enabled, but this build has no Prometheus CR watcher');
      return;
    }
    // Not ready until the monitors' first job set is in (at most the watcher's sync timeout), so
    // a collector's first /scrape_configs is not missing them.
    this.ready = false;
    this.dynamicJobs = create(
      config,
      createJobPlanner(config, this.deps.registry, this.deps.logger),
    );
    await this.dynamicJobs.start((jobs) => {
      // Serialized with reloads, so two job sets never reach discovery out of order.
      this.reloading = this.reloading.then(async () => {
        if (this.dynamicJobs === undefined) return true;
        this.monitorJobs = jobs;
        try {
          await this.applyJobs();
        } catch (err) {
          // Never fatal, and never a rejected chain that would stall later reloads.
          this.logger.error({ err }, 'cannot apply the Prometheus CR jobs');
        }
        this.ready = true;
        this.deps.metrics.events.inc({ source: 'prometheus_cr' });
        return true;
      });
    });
  }

  /**
   * The config file's jobs plus the monitors' jobs, handed to discovery and to /scrape_configs.
   * A monitor job whose name a file job already uses is left out (the file wins).
   */
  private async applyJobs(): Promise<void> {
    const plan = this.plan;
    if (plan === undefined || this.discovery === undefined) return;
    const fileJobs = new Set(plan.jobs.map((j) => j.name));
    const monitorJobs = this.monitorJobs.filter((job) => {
      if (!fileJobs.has(job.plan.name)) return true;
      this.logger.warn(
        { job: job.plan.name },
        'a monitor job has the name of a config file job; the file job wins',
      );
      return false;
    });
    this.setScrapeConfigs(
      plan.config,
      scrapeConfigsByJob(
        plan.config,
        monitorJobs.map((j) => j.scrapeConfig),
      ),
    );
    await this.discovery.apply([...plan.jobs, ...monitorJobs.map((j) => j.plan)]);
  }

  private watchConfigFile(path: string): void {
    const name = basename(path);
    try {
      // The directory, not the file: editors and Kubernetes ConfigMap updates replace the file
      // (ConfigMaps by swapping the `..data` symlink), which a watch on the file itself misses.
      this.watcher = watch(dirname(path), (_event, changed) => {
        if (changed !== null && changed !== name && changed !== '..data') return;
        if (this.cancelReloadTimer !== undefined) return;
        this.cancelReloadTimer = this.deps.clock.setTimeout(() => {
          this.cancelReloadTimer = undefined;
          void this.reload();
        }, CONFIG_WATCH_COALESCE_MS);
      });
      this.watcher.on('error', (err) => this.logger.warn({ err }, 'config file watch failed'));
    } catch (err) {
      this.logger.warn({ err, path }, 'cannot watch the config file; reload with SIGHUP');
    }
  }

  private setScrapeConfigs(
    config: AllocatorConfig,
    byJob: Readonly<Record<string, unknown>>,
  ): void {
    this.scrapeConfigs = byJob;
    this.scrapeIntervals = scrapeIntervalsByJob(config.prometheus.global, byJob);
  }

  private defaultScrapeIntervalMs(): number {
    return globalScrapeIntervalMs(this.currentConfig().prometheus.global);
  }

  private updateAllocationMetrics(): void {
    const view = this.allocator;
    if (view === undefined) return;
    const { metrics } = this.deps;
    const strategy = view.strategyName;
    const counts = view.targetCountsByCollector();
    metrics.targetsPerCollector.reset();
    for (const id of view.collectorIds()) {
      metrics.targetsPerCollector.set({ collector_name: id, strategy }, counts.get(id) ?? 0);
    }
    metrics.collectorsAllocatable.set({ strategy }, view.collectorIds().length);
    metrics.targetsUnassigned.set(view.unassignedCount());
    let remaining = 0;
    for (const job of view.jobNames()) remaining += view.targetCount(job);
    metrics.targetsRemaining.set(remaining);
  }
}

function scrapeConfigsByJob(
  config: AllocatorConfig,
  extra: readonly ScrapeConfig[] = [],
): Readonly<Record<string, unknown>> {
  const byJob: Record<string, unknown> = {};
  for (const scrapeConfig of [...config.prometheus.scrapeConfigs, ...extra])
    byJob[scrapeConfig.job_name] = scrapeConfig;
  return Object.freeze(byJob);
}

/** A listen failure that says which setting to change (EADDRINUSE: another process has the port). */
function listenError(err: unknown, config: AllocatorConfig): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') return err;
  const https = config.https.enabled ? ` or https.listen_addr ${config.https.listenAddr}` : '';
  return new OtelTaError(
    'LISTEN_FAILED',
    `cannot listen on listen_addr ${config.listenAddr}${https} (${code}): free the port or choose another with listen_addr or --listen-addr (and the Service's targetPort)`,
    { cause: err },
  );
}

function httpsSettings(config: AllocatorConfig): AllocatorServerDeps['https'] {
  const { https } = config;
  if (!https.enabled) return undefined;
  return {
    listenAddr: https.listenAddr,
    caFile: https.caFilePath ?? '',
    certFile: https.tlsCertFilePath ?? '',
    keyFile: https.tlsKeyFilePath ?? '',
  };
}
