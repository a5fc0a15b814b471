/**
 * Prometheus durations (`model.Duration`): `1y2w3d4h5m6s7ms` with units in that order, or `0`.
 * `formatDuration` prints them the way Prometheus does in `__scrape_interval__`.
 */
const DURATION =
  /^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/;

const MS = {
  y: 365 * 86_400_000,
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1000,
};
const FACTORS = [MS.y, MS.w, MS.d, MS.h, MS.m, MS.s, 1] as const;

/** Milliseconds, or undefined when `text` is not a Prometheus duration. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  const m = DURATION.exec(text);
  if (m === null) return undefined;
  let ms = 0;
  for (let i = 0; i < FACTORS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * FACTORS[i]!;
  }
  return Number.isSafeInteger(ms) ? ms : undefined;
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  const unit = (suffix: string, size: number, exactOnly: boolean): void => {
    if (exactOnly && rest % size !== 0) return;
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${suffix}`;
      rest -= count * size;
    }
  };
  // Years and weeks only when exact: `90d` reads better than `12w6d`.
  unit('y', MS.y, true);
  unit('w', MS.w, true);
  unit('d', MS.d, false);
  unit('h', MS.h, false);
  unit('m', MS.m, false);
  unit('s', MS.s, false);
  unit('ms', 1, false);
  return out;
}
