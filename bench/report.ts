/**
 * The one output shape and the common flags of every benchmark (bench:allocation, bench:serving,
 * bench:admission, bench:rebalance). A benchmark measures and prints figures; it never decides
 * pass or fail (tests assert behaviour). See bench/README.md.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A measured figure (units in its name: `_ms`, `_mb`, `_per_s`, `_cores`), or null when not measured. */
export type Figure = number | null;

export interface BenchReport {
  /** The capability measured: `allocation`, `serving`, `admission`, `rebalance`. */
  readonly benchmark: string;
  /** What was measured, in the benchmark's own words (route, payload, strategy...). */
  readonly subject: string;
  /** The parameters the run used, defaults included, so a report can be re-run as printed. */
  readonly parameters: Readonly<Record<string, string | number | boolean | null>>;
  /** The figures of the run: flat for one measurement, one object per named series otherwise. */
  readonly figures: Readonly<Record<string, Figure | Readonly<Record<string, Figure>>>>;
  /** Where it ran: the figures move with the machine. */
  readonly environment: {
    readonly node: string;
    readonly cpus: number;
    readonly load_avg_1m: number;
    readonly started_at: string;
  };
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The flags every benchmark takes, on top of its own. */
export const COMMON_FLAGS = {
  // One JSON object on one line (for scripts); without it, the same object indented.
  json: { type: 'boolean', default: false },
} as const satisfies Options;

/** Parses the common flags plus the benchmark's own (strings with defaults). */
export function benchArgs<T extends Options>(
  own: T,
): ReturnType<typeof parseArgs<{ options: T & typeof COMMON_FLAGS }>>['values'] {
  return parseArgs({ options: { ...own, ...COMMON_FLAGS } }).values;
}

export function environment(startedAt: Date): BenchReport['environment'] {
  return {
    node: process.version,
    cpus: cpus().length,
    load_avg_1m: round(loadavg()[0] ?? 0),
    started_at: startedAt.toISOString(),
  };
}

export function round(n: number, digits = 2): number {
  return Number(n.toFixed(digits));
}

/** Prints the report: one line with `--json`, indented otherwise. */
export function printReport(report: BenchReport, json: boolean): void {
  process.stdout.write(JSON.stringify(report, null, json ? undefined : 2) + '\n');
}
