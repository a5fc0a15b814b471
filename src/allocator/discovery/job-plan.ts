import type { Logger } from 'pino';
import { configError } from '../../config/allocator/object-reader.js';
import type { Target, TargetGroup } from '../model.js';
import type { DiscoveryProvider } from './provider.js';
import type { DiscoveryRegistry } from './registry.js';

/**
 * Turns target groups of one job into targets (the relabel filter and identity live behind it).
 * The manager calls it per group and caches the result while the group is unchanged.
 */
export type JobTargetBuilder = (groups: readonly TargetGroup[]) => readonly Target[];

export interface PlannedProvider {
  /** `<kind>/<index>`, unique within the job; groups merge by (key, source). */
  readonly key: string;
  /** Metric label for `opentelemetry_allocator_events_total{source}`. */
  readonly mechanism: string;
  readonly provider: DiscoveryProvider;
}

/** One scrape job ready to run: built and validated, nothing started yet. */
export interface JobPlan {
  readonly name: string;
  /** Equal when the job's discovery (every `*_configs` entry) is unchanged, so providers can stay. */
  readonly discoveryFingerprint: string;
  readonly providers: readonly PlannedProvider[];
  readonly buildTargets: JobTargetBuilder;
}

export interface PlanContext {
  readonly registry: DiscoveryRegistry;
  readonly logger: Logger;
  readonly baseDir: string;
}

function isDiscoveryKey(key: string): boolean {
  return key === 'static_configs' || key.endsWith('_sd_configs');
}

function hasRelabelConfigs(scrapeConfig: Readonly<Record<string, unknown>>): boolean {
  const rules = scrapeConfig.relabel_configs;
  return Array.isArray(rules) && rules.length > 0;
}

function mechanismOf(kind: string): string {
  return kind === 'static_configs' ? 'static' : kind.replace(/_configs$/, '');
}

/**
 * Builds the providers of one scrape config. Factories validate their entries and do no I/O, so a
 * plan is a complete check of the job's discovery: an unknown kind or a bad entry throws here.
 */
export function planJob(
  scrapeConfig: Readonly<Record<string, unknown>> & { readonly job_name: string },
  buildTargets: JobTargetBuilder,
  context: PlanContext,
): JobPlan {
  const job = scrapeConfig.job_name;
  const providers: PlannedProvider[] = [];
  const discovery: Record<string, unknown> = {};
  for (const kind of Object.keys(scrapeConfig).filter(isDiscoveryKey).sort()) {
    const value = scrapeConfig[kind];
    if (value === undefined || value === null) continue;
    discovery[kind] = value;
    const factory = context.registry.factory(kind, job);
    const providerContext = {
      job,
      logger: context.logger,
      baseDir: context.baseDir,
      jobRelabels: hasRelabelConfigs(scrapeConfig),
    };
    const mechanism = mechanismOf(kind);
    if (kind === 'static_configs') {
      providers.push({
        key: `${kind}/0`,
        mechanism,
        provider: factory(value, { ...providerContext, index: 0 }),
      });
      continue;
    }
    if (!Array.isArray(value)) throw configError(`job "${job}"`, `${kind} must be a list`);
    value.forEach((entry: unknown, index) => {
      providers.push({
        key: `${kind}/${index}`,
        mechanism,
        provider: factory(entry, { ...providerContext, index }),
      });
    });
  }
  return {
    name: job,
    discoveryFingerprint: JSON.stringify({ baseDir: context.baseDir, discovery }),
    providers,
    buildTargets,
  };
}
