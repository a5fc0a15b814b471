import { UsageError } from '../../errors.js';
import type { NameValidationScheme } from './label-names.js';
import { RelabelProgram } from './relabel-program.js';
import { RuleError, parseRelabelRule, type RelabelRule } from './relabel-rule.js';

/** Where a relabel config list comes from, for error messages. */
export interface RelabelConfigLocation {
  readonly job?: string | undefined;
  /** `relabel_configs` (default) or `metric_relabel_configs`. */
  readonly field?: string | undefined;
  /** Prometheus 3 validates label names as UTF-8 unless a scrape config asks for `legacy`. */
  readonly nameValidation?: NameValidationScheme | undefined;
}

export const INVALID_RELABEL_CONFIG = 'INVALID_RELABEL_CONFIG';

function prefix(where: RelabelConfigLocation): string {
  const field = where.field ?? 'relabel_configs';
  return where.job === undefined ? field : `job ${JSON.stringify(where.job)}: ${field}`;
}

/**
 * Validates and compiles a relabel config list (YAML-parsed, as found under `relabel_configs`) once.
 * `undefined`/`null` is an empty list. An invalid rule throws a UsageError naming the job, the
 * field, the rule index and the problem, e.g.
 * `job "api": relabel_configs[2]: invalid regex "(": missing )`.
 */
export function compileRelabelConfigs(
  raw: unknown,
  where: RelabelConfigLocation = {},
): RelabelProgram {
  const scheme = where.nameValidation ?? 'utf8';
  if (raw === undefined || raw === null) return new RelabelProgram([], scheme);
  if (!Array.isArray(raw)) {
    throw new UsageError(
      INVALID_RELABEL_CONFIG,
      `${prefix(where)}: must be a list of relabel rules, got ${raw === null ? 'null' : typeof raw}`,
    );
  }
  const rules: RelabelRule[] = raw.map((entry: unknown, index) => {
    try {
      return parseRelabelRule(entry, scheme);
    } catch (err) {
      if (err instanceof RuleError) {
        throw new UsageError(INVALID_RELABEL_CONFIG, `${prefix(where)}[${index}]: ${err.message}`);
      }
      throw err;
    }
  });
  return new RelabelProgram(rules, scheme);
}
