import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './prometheus-duration.js';

describe('Prometheus durations', () => {
  it('parses unit sequences and 0', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0')).toBe(0);
  });

  it('rejects what Prometheus rejects', () => {
    for (const text of ['', '1.5s', '30', '1s1m', '-1s', '1 s'])
      expect(parseDuration(text), text).toBeUndefined();
  });

  it('formats like model.Duration.String', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(7 * 86_400_000)).toBe('1w');
    expect(formatDuration(90 * 86_400_000)).toBe('90d');
    expect(formatDuration(1500)).toBe('1s500ms');
  });
});
