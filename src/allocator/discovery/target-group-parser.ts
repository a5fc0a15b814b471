import { UsageError } from '../../errors.js';
import { mergeLabels } from '../merge-labels.js';
import type { Labels, TargetGroup } from '../model.js';
import { redactUrlPassword } from '../../observability/url-password.js';

/** Thrown for a malformed group list from a file or an HTTP endpoint; the last good groups stay. */
export class TargetGroupFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetGroupFormatError';
  }
}

export interface GroupParseOptions {
  /** Source of the group at index i, e.g. `<file>:<i>`, as Prometheus names them. */
  readonly sourceOf: (index: number) => string;
  /** Labels added to every group (e.g. `__meta_filepath`); they override the group's own. */
  readonly extraLabels?: Labels;
  /** Where the list came from, for messages. */
  readonly where: string;
  /**
   * Skip keys other than `targets` and `labels` instead of rejecting the group: Prometheus decodes
   * JSON (http_sd answers, .json files) with Go's lenient decoder, YAML strictly.
   */
  readonly ignoreUnknownKeys?: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The group's labels, checked: valid names, string values. */
function parseLabels(value: unknown, where: string): Labels {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new TargetGroupFormatError(`${where}: labels must be a map`);
  for (const name of Object.keys(value)) {
    if (!LABEL_NAME.test(name)) {
      throw new TargetGroupFormatError(`${where}: "${name}" is not a valid label name`);
    }
    if (typeof value[name] !== 'string') {
      throw new TargetGroupFormatError(`${where}: label "${name}" must have a string value`);
    }
  }
  return value as Labels;
}

/**
 * Parses Prometheus's target group list (`[{targets: [...], labels: {...}}]`), the format of
 * static_configs, file_sd files and http_sd responses. Each target becomes `{__address__}`.
 */
export function parseTargetGroups(value: unknown, options: GroupParseOptions): TargetGroup[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new TargetGroupFormatError(`${options.where}: expected a list of target groups`);
  }
  return value.map((item: unknown, i): TargetGroup => {
    const where = `${options.where}: group ${i}`;
    if (!isRecord(item)) throw new TargetGroupFormatError(`${where}: must be a map`);
    for (const key of options.ignoreUnknownKeys === true ? [] : Object.keys(item)) {
      if (key !== 'targets' && key !== 'labels') {
        throw new TargetGroupFormatError(`${where}: unknown key "${key}"`);
      }
    }
    const rawTargets = item.targets ?? [];
    if (!Array.isArray(rawTargets) || !rawTargets.every((t) => typeof t === 'string')) {
      throw new TargetGroupFormatError(`${where}: targets must be a list of strings`);
    }
    const labels = mergeLabels(parseLabels(item.labels, where), options.extraLabels);
    return {
      source: options.sourceOf(i),
      targets: rawTargets.map((address) => Object.freeze({ __address__: address })),
      labels: Object.freeze(labels),
    };
  });
}

/**
 * Same parse for config-time lists (static_configs): a bad entry is a usage error. Like
 * Prometheus at config load (`checkStaticTargets`), a target with a `/` is refused in a job
 * without relabel_configs: there a URL (`http://host:port/path`) is a common slip that would be
 * served and never scraped. A job with relabel_configs may turn it into an address (Probe jobs
 * move the URL into `__param_target`), so Prometheus, and the allocator, accept it there.
 */
export function parseConfigTargetGroups(
  value: unknown,
  options: GroupParseOptions & { readonly allowUrlTargets?: boolean },
): TargetGroup[] {
  try {
    const groups = parseTargetGroups(value, options);
    if (options.allowUrlTargets === true) return groups;
    groups.forEach((group, i) => {
      for (const { __address__: address } of group.targets) {
        if (address?.includes('/') === true) {
          throw new TargetGroupFormatError(
            `${options.where}: group ${i}: "${redactUrlPassword(address)}" is not a valid hostname: give host:port alone and set the job's scheme and metrics_path (Prometheus accepts it only in a job with relabel_configs)`,
          );
        }
      }
    });
    return groups;
  } catch (err) {
    if (err instanceof TargetGroupFormatError) {
      throw new UsageError('DISCOVERY_CONFIG_INVALID', err.message, { cause: err });
    }
    throw err;
  }
}

function sameLabels(a: Labels, b: Labels): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => a[k] === b[k]);
}

function sameContent(a: TargetGroup, b: TargetGroup): boolean {
  if (a.targets.length !== b.targets.length || !sameLabels(a.labels, b.labels)) return false;
  return a.targets.every((t, i) => {
    const other = b.targets[i];
    return other !== undefined && sameLabels(t, other);
  });
}

/**
 * Swaps every group whose content did not change for the object sent before, so the pipeline's
 * per-group cache skips it: a file or endpoint that changed one group rebuilds just that group.
 */
export function reuseUnchangedGroups(
  previous: readonly TargetGroup[] | undefined,
  next: readonly TargetGroup[],
): TargetGroup[] {
  if (previous === undefined) return [...next];
  const bySource = new Map(previous.map((g) => [g.source, g]));
  return next.map((group) => {
    const old = bySource.get(group.source);
    return old !== undefined && sameContent(old, group) ? old : group;
  });
}
