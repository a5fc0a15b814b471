/** Durations as the two upstream parsers accept them, in milliseconds; `undefined` when invalid. */

const GO_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Go's `time.ParseDuration` (`30s`, `1m30s`, `1.5h`, `0`), as the allocator's own settings use. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  GO_PART.lastIndex = 0;
  while (GO_PART.lastIndex < rest.length) {
    const match = GO_PART.exec(rest);
    if (match === null) return undefined;
    total += Number(match[1]) * (GO_UNITS[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? sign * total : undefined;
}

const PROM_DURATION =
  /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const PROM_UNITS = [
  365 * 86_400_000,
  7 * 86_400_000,
  86_400_000,
  3_600_000,
  60_000,
  1000,
  1,
] as const;

/** Prometheus's `model.Duration` (`5m`, `1h30m`, `1d`, `100ms`, `0`; units in descending order, no fractions). */
export function parsePrometheusDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  const match = PROM_DURATION.exec(text);
  if (match === null) return undefined;
  let total = 0;
  PROM_UNITS.forEach((unit, i) => {
    const part = match[i + 1];
    if (part !== undefined) total += Number(part) * unit;
  });
  return total;
}
