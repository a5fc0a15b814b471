import { describe, expect, it } from 'vitest';
import { configuredRefreshIntervalMs, formatPrometheusDuration } from './refresh-interval.js';

const URL = 'http://c-targetallocator.ns.svc:80';

const withJobs = (...entries: object[][]): object => ({
  receivers: {
    prometheus: {
      config: {
        scrape_configs: entries.map((http_sd_configs, i) => ({
          job_name: `j${i}`,
          http_sd_configs,
        })),
      },
    },
  },
});

describe('refresh interval', () => {
  it('formats milliseconds as a Prometheus duration', () => {
    expect(formatPrometheusDuration(10_000)).toBe('10s');
    expect(formatPrometheusDuration(90_000)).toBe('1m30s');
    expect(formatPrometheusDuration(1_500)).toBe('1s500ms');
    expect(formatPrometheusDuration(3_600_000)).toBe('1h');
  });

  it('reads how often the collector really polls: the longest refresh of its entries on this allocator', () => {
    const config = withJobs(
      [{ url: `${URL}/jobs/a/targets?collector_id=x`, refresh_interval: '10s' }],
      [{ url: `${URL}/jobs/b/targets?collector_id=x`, refresh_interval: '20s' }],
      [{ url: 'http://elsewhere/sd', refresh_interval: '5m' }],
    );
    expect(configuredRefreshIntervalMs(config, URL)).toBe(20_000);
    // An entry without refresh_interval polls at Prometheus's default, 60 s.
    expect(configuredRefreshIntervalMs(withJobs([{ url: `${URL}/jobs/a/targets` }]), URL)).toBe(
      60_000,
    );
  });

  it('reads the target_allocator block: its http_sd_config, else the receiver hard-coded 30 s', () => {
    const block = (extra: object): object => ({
      receivers: { prometheus: { target_allocator: { endpoint: URL, ...extra } } },
    });
    expect(
      configuredRefreshIntervalMs(block({ http_sd_config: { refresh_interval: '15s' } }), URL),
    ).toBe(15_000);
    expect(configuredRefreshIntervalMs(block({ interval: '10s' }), URL)).toBe(30_000);
  });

  it('is undefined when nothing polls this allocator', () => {
    expect(configuredRefreshIntervalMs({ receivers: { otlp: {} } }, URL)).toBeUndefined();
    expect(configuredRefreshIntervalMs('not a map', URL)).toBeUndefined();
  });
});
