import type { Logger } from 'pino';
import { formatLabelSelector } from '../collectors/kubernetes-label-selector.js';
import type { PrometheusCrConfig } from '../../config/allocator/prometheus-cr.js';
import type { ScrapeConfig } from '../../config/allocator/prometheus-config.js';
import type { LabelSelector } from '../../k8s/label-selector.js';
import { Informer } from '../../k8s/informer.js';
import type { ListWatchSource, Selection } from '../../k8s/list-watch.js';
import { objectKey, type KubeObject } from '../../k8s/object.js';
import { ResourceTypes, type ResourceType } from '../../k8s/resource-path.js';
import { errorMessage } from '../../errors.js';
import { matchesLabelSelector } from '../../policy/label-selector.js';
import type { DiscoveryClock } from '../discovery/clock.js';
import type { JobPlan } from '../discovery/job-plan.js';
import { formatDuration } from '../targets/prometheus-duration.js';
import type { TranslationContext } from './endpoint-settings.js';
import { MONITOR_TYPES, type MonitorKind } from './monitor-resources.js';
import type { MonitorTranslation } from './monitor-translation.js';
import { translatePodMonitor } from './pod-monitor.js';
import type { InvalidMonitorsGauge } from './prometheus-cr-metrics.js';
import { translateProbe } from './probe.js';
import { translateScrapeConfig } from './scrape-config.js';
import { configMapValue, secretValue } from './secret-store.js';
import { translateServiceMonitor } from './service-monitor.js';

export type ListWatchFactory = (
  type: ResourceType,
  selection: Selection,
) => ListWatchSource<KubeObject>;

/** Plans one generated scrape config as a job (throws a UsageError when the config is invalid). */
export type JobPlanner = (scrapeConfig: ScrapeConfig) => JobPlan;

export interface MonitorJob {
  readonly scrapeConfig: ScrapeConfig;
  readonly plan: JobPlan;
}

export interface PrometheusCrWatcherDeps {
  readonly config: PrometheusCrConfig;
  /** Secrets are read here by default, as upstream does, plus `secret_namespaces`. */
  readonly collectorNamespace: string | undefined;
  readonly listWatch: ListWatchFactory;
  readonly planner: JobPlanner;
  readonly logger: Logger;
  readonly clock: DiscoveryClock;
  readonly invalidMonitors?: InvalidMonitorsGauge | undefined;
  /** How long after the first change of a burst the jobs are recomputed. */
  readonly coalesceMs?: number | undefined;
  /** How long the first set waits for every watch to list before serving what has. */
  readonly syncTimeoutMs?: number | undefined;
}

interface PlannedConfig {
  readonly scrapeConfig: ScrapeConfig;
  readonly plan: JobPlan;
  /** The config as JSON: an equal config next time keeps this plan. */
  readonly json: string;
}

type MonitorResult =
  | { readonly planned: readonly PlannedConfig[]; readonly warnings: readonly string[] }
  | { readonly reason: string };

interface MonitorKindWatch {
  readonly kind: MonitorKind;
  readonly informers: readonly Informer<KubeObject>[];
  readonly namespaceSelector: LabelSelector;
  readonly translate: (obj: KubeObject, ctx: TranslationContext) => MonitorTranslation;
}

const DEFAULT_COALESCE_MS = 50;
const DEFAULT_SYNC_TIMEOUT_MS = 10_000;

function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

/**
 * Watches ServiceMonitors, PodMonitors, ScrapeConfigs and Probes (and, when needed, namespaces,
 * Secrets and ConfigMaps) and turns the selected ones ("monitors") into planned scrape jobs. Every change recomputes the whole set shortly after
 * (monitors are few; translation is cheap) and hands it to the sink; plans of unchanged scrape
 * configs are reused, so the discovery of unchanged jobs keeps running. A monitor that cannot be
 * translated or planned is left out with a log line and the invalid-monitors metric.
 */
export class PrometheusCrWatcher {
  private kinds: MonitorKindWatch[] = [];
  private namespaces: Informer<KubeObject> | undefined;
  private readonly secrets = new Map<string, Informer<KubeObject>>();
  private readonly configMaps = new Map<string, Informer<KubeObject>>();
  private sink: ((jobs: readonly MonitorJob[]) => void) | undefined;
  private planner: JobPlanner;
  private plans = new Map<string, PlannedConfig>();
  /**
   * Each monitor object's translation, valid while `generation` is unchanged: the informer hands
   * out a new object on every change of a monitor, and the generation moves when anything else a
   * translation reads changes (a Secret, the planner). So a change recomputes one monitor, not all.
   */
  private results = new WeakMap<KubeObject, { generation: number; result: MonitorResult }>();
  private generation = 0;
  private reported = new Map<string, string>();
  private cancelTimer: (() => void) | undefined;
  private synced = false;
  private stopped = false;
  private readonly logger: Logger;

  constructor(private readonly deps: PrometheusCrWatcherDeps) {
    this.planner = deps.planner;
    this.logger = deps.logger.child({ component: 'prometheus-cr' });
  }

  /** Starts watching in the background; the sink first hears once every watch has listed. */
  async start(sink: (jobs: readonly MonitorJob[]) => void): Promise<void> {
    this.sink = sink;
    const { config } = this.deps;
    this.kinds = [
      this.kindWatch(
        'ServiceMonitor',
        MONITOR_TYPES.serviceMonitors,
        config.serviceMonitorSelector,
        config.serviceMonitorNamespaceSelector,
        translateServiceMonitor,
      ),
      this.kindWatch(
        'PodMonitor',
        MONITOR_TYPES.podMonitors,
        config.podMonitorSelector,
        config.podMonitorNamespaceSelector,
        translatePodMonitor,
      ),
      this.kindWatch(
        'ScrapeConfig',
        MONITOR_TYPES.scrapeConfigs,
        config.scrapeConfigSelector,
        config.scrapeConfigNamespaceSelector,
        translateScrapeConfig,
      ),
      this.kindWatch(
        'Probe',
        MONITOR_TYPES.probes,
        config.probeSelector,
        config.probeNamespaceSelector,
        translateProbe,
      ),
    ].filter((k): k is MonitorKindWatch => k !== undefined);
    if (this.kinds.some((k) => !isEmptySelector(k.namespaceSelector))) {
      this.namespaces = this.informer('namespaces', ResourceTypes.namespaces, {});
    }
    if (this.kinds.length > 0) {
      for (const namespace of this.secretNamespaces()) {
        this.secrets.set(namespace, this.referenceInformer('secrets', namespace));
        this.configMaps.set(namespace, this.referenceInformer('configmaps', namespace));
      }
    }
    const all = this.allInformers();
    for (const informer of all) await informer.start();
    // The first set waits for every watch to list, so monitors are not reported invalid for a
    // Secret that is merely not loaded yet; but not forever: a kind whose CRD is not installed,
    // or a namespace the allocator may not read, must not hold back all the others.
    const cancelWait = this.deps.clock.setTimeout(() => {
      const waiting = this.waitingInformers();
      this.logger.warn(
        { waiting },
        'prometheus_cr: not every watch has listed yet; serving what has',
      );
      this.markSynced();
    }, this.deps.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS);
    void Promise.all(all.map((i) => i.waitForSync())).then(() => {
      cancelWait();
      this.markSynced();
    });
  }

  private markSynced(): void {
    if (this.stopped || this.synced) return;
    this.synced = true;
    this.recompute();
  }

  private waitingInformers(): string[] {
    const names: string[] = [];
    for (const kind of this.kinds) {
      for (const informer of kind.informers) if (!informer.hasSynced) names.push(kind.kind);
    }
    if (this.namespaces?.hasSynced === false) names.push('namespaces');
    for (const [namespace, informer] of this.secrets) {
      if (!informer.hasSynced) names.push(`secrets/${namespace}`);
    }
    for (const [namespace, informer] of this.configMaps) {
      if (!informer.hasSynced) names.push(`configmaps/${namespace}`);
    }
    return names;
  }

  /** A new planner (the config's global settings or filter strategy changed): re-plans every job. */
  setPlanner(planner: JobPlanner): void {
    this.planner = planner;
    this.plans = new Map();
    this.generation += 1;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sink = undefined;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await Promise.all(this.allInformers().map((i) => i.stop()));
  }

  private allInformers(): Informer<KubeObject>[] {
    return [
      ...this.kinds.flatMap((k) => k.informers),
      ...(this.namespaces === undefined ? [] : [this.namespaces]),
      ...this.secrets.values(),
      ...this.configMaps.values(),
    ];
  }

  /**
   * Secrets or ConfigMaps of one namespace, which translations read. Any change may change any
   * monitor's translation, so it moves the generation (the recompute runs later).
   */
  private referenceInformer(
    resource: 'secrets' | 'configmaps',
    namespace: string,
  ): Informer<KubeObject> {
    const type = resource === 'secrets' ? ResourceTypes.secrets : ResourceTypes.configMaps;
    const informer = this.informer(`${resource}/${namespace}`, type, { namespace });
    const changed = (): void => {
      this.generation += 1;
    };
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on('delete', changed);
    return informer;
  }

  private secretNamespaces(): string[] {
    const { collectorNamespace, config } = this.deps;
    const names = new Set(config.secretNamespaces);
    if (collectorNamespace !== undefined) names.add(collectorNamespace);
    return [...names].sort();
  }

  private kindWatch(
    kind: MonitorKind,
    type: ResourceType,
    selector: LabelSelector | null,
    namespaceSelector: LabelSelector,
    translate: MonitorKindWatch['translate'],
  ): MonitorKindWatch | undefined {
    // null selects nothing: nothing to watch, as prometheus-operator does.
    if (selector === null) return undefined;
    const labelSelector = formatLabelSelector(selector) || undefined;
    const allowed = this.deps.config.allowNamespaces;
    const informers =
      allowed.length === 0
        ? [this.informer(type.resource, type, { labelSelector })]
        : [...allowed]
            .sort()
            .map((namespace) =>
              this.informer(`${type.resource}/${namespace}`, type, { namespace, labelSelector }),
            );
    return { kind, informers, namespaceSelector, translate };
  }

  private informer(name: string, type: ResourceType, selection: Selection): Informer<KubeObject> {
    const informer = new Informer(this.deps.listWatch(type, selection), {
      name,
      logger: this.logger,
    });
    const changed = (): void => this.schedule();
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on('delete', changed);
    return informer;
  }

  private schedule(): void {
    if (!this.synced || this.stopped || this.cancelTimer !== undefined) return;
    this.cancelTimer = this.deps.clock.setTimeout(() => {
      this.cancelTimer = undefined;
      this.recompute();
    }, this.deps.coalesceMs ?? DEFAULT_COALESCE_MS);
  }

  private selected(kind: MonitorKindWatch, obj: KubeObject): boolean {
    const namespace = obj.metadata?.namespace ?? '';
    const { allowNamespaces, denyNamespaces } = this.deps.config;
    if (denyNamespaces.includes(namespace)) return false;
    if (allowNamespaces.length > 0 && !allowNamespaces.includes(namespace)) return false;
    if (isEmptySelector(kind.namespaceSelector)) return true;
    const ns = this.namespaces?.get(namespace);
    return (
      ns !== undefined && matchesLabelSelector(kind.namespaceSelector, ns.metadata?.labels ?? {})
    );
  }

  private translationContext(): TranslationContext {
    return {
      defaultScrapeInterval: formatDuration(this.deps.config.scrapeIntervalMs),
      denyFsAccess: this.deps.config.denyFsAccessThroughSms,
      secretNamespaces: [...this.secrets.keys()],
      secrets: (namespace, name, key) =>
        secretValue(this.secrets.get(namespace)?.get(`${namespace}/${name}`), key),
      configMaps: (namespace, name, key) =>
        configMapValue(this.configMaps.get(namespace)?.get(`${namespace}/${name}`), key),
      scrapeClasses: this.deps.config.scrapeClasses,
      defaultScrapeProtocols: this.deps.config.scrapeProtocols,
    };
  }

  private recompute(): void {
    if (this.stopped || this.sink === undefined) return;
    const ctx = this.translationContext();
    const jobs: MonitorJob[] = [];
    const plans = new Map<string, PlannedConfig>();
    const problems = new Map<string, string>();
    this.deps.invalidMonitors?.reset();
    for (const kind of this.kinds) {
      const monitors = kind.informers
        .flatMap((i) => i.list())
        .filter((obj) => this.selected(kind, obj))
        .sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : 1));
      for (const obj of monitors) {
        const id = `${kind.kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
        let cached = this.results.get(obj);
        if (cached?.generation !== this.generation) {
          cached = { generation: this.generation, result: this.translateOne(kind, obj, ctx) };
          this.results.set(obj, cached);
        }
        const { result } = cached;
        if ('reason' in result) {
          problems.set(`${id}: ${result.reason}`, 'invalid');
          this.deps.invalidMonitors?.set(
            {
              kind: kind.kind,
              namespace: obj.metadata?.namespace ?? '',
              name: obj.metadata?.name ?? '',
              reason: result.reason,
            },
            1,
          );
          continue;
        }
        for (const planned of result.planned) {
          plans.set(planned.scrapeConfig.job_name, planned);
          jobs.push({ scrapeConfig: planned.scrapeConfig, plan: planned.plan });
        }
        for (const warning of result.warnings) problems.set(`${id}: ${warning}`, 'warn');
      }
    }
    this.plans = plans;
    this.logNew(problems);
    this.sink(jobs);
  }

  /**
   * Translates and plans one monitor. A job whose generated config equals the last one keeps its
   * plan, so its running discovery is not restarted.
   */
  private translateOne(
    kind: MonitorKindWatch,
    obj: KubeObject,
    ctx: TranslationContext,
  ): MonitorResult {
    try {
      const translation = kind.translate(obj, ctx);
      const planned = translation.scrapeConfigs.map((scrapeConfig): PlannedConfig => {
        const json = JSON.stringify(scrapeConfig);
        const previous = this.plans.get(scrapeConfig.job_name);
        const plan = previous?.json === json ? previous.plan : this.planner(scrapeConfig);
        return { scrapeConfig, plan, json };
      });
      return { planned, warnings: translation.warnings };
    } catch (err) {
      return { reason: errorMessage(err) };
    }
  }

  /** Logs each problem once, when it first appears, rather than on every recompute. */
  private logNew(problems: Map<string, string>): void {
    for (const [problem, level] of problems) {
      if (this.reported.has(problem)) continue;
      if (level === 'invalid') {
        this.logger.error(
          { problem },
          'prometheus_cr: monitor skipped, it cannot be turned into scrape configs',
        );
      } else {
        this.logger.warn({ problem }, 'prometheus_cr: monitor endpoint left out');
      }
    }
    this.reported = problems;
  }
}
