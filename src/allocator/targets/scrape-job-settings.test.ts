import { describe, expect, it } from 'vitest';
import { scrapeJobSettingsFromConfig } from './scrape-job-settings.js';

const filter = { filterByRelabel: true };

describe('scrapeJobSettingsFromConfig', () => {
  it('applies Prometheus defaults', () => {
    const s = scrapeJobSettingsFromConfig({ job_name: 'api' }, undefined, filter);
    expect(s).toMatchObject({
      jobName: 'api',
      scheme: 'http',
      metricsPath: '/metrics',
      scrapeIntervalMs: 60_000,
      scrapeTimeoutMs: 10_000,
      params: {},
    });
    expect(s.seedLabels).toEqual({
      job: 'api',
      __scrape_interval__: '1m',
      __scrape_timeout__: '10s',
      __metrics_path__: '/metrics',
      __scheme__: 'http',
    });
    expect(s.relabel?.isEmpty).toBe(true);
  });

  it('takes the global interval and timeout unless the job sets its own', () => {
    const global = { scrape_interval: '30s', scrape_timeout: '20s' };
    expect(scrapeJobSettingsFromConfig({ job_name: 'a' }, global, filter)).toMatchObject({
      scrapeIntervalMs: 30_000,
      scrapeTimeoutMs: 20_000,
    });
    expect(
      scrapeJobSettingsFromConfig(
        { job_name: 'a', scrape_interval: '1h', scrape_timeout: '1m' },
        global,
        filter,
      ),
    ).toMatchObject({ scrapeIntervalMs: 3_600_000, scrapeTimeoutMs: 60_000 });
  });

  it('caps an inherited timeout at the job interval', () => {
    const s = scrapeJobSettingsFromConfig({ job_name: 'a', scrape_interval: '5s' }, {}, filter);
    expect(s.scrapeTimeoutMs).toBe(5_000);
    expect(s.seedLabels.__scrape_timeout__).toBe('5s');
  });

  it('rejects a timeout above the interval, naming the job', () => {
    expect(() =>
      scrapeJobSettingsFromConfig(
        { job_name: 'a', scrape_interval: '5s', scrape_timeout: '6s' },
        {},
        filter,
      ),
    ).toThrow('job "a": scrape_timeout is greater than scrape_interval');
    expect(() =>
      scrapeJobSettingsFromConfig(
        { job_name: 'a' },
        { scrape_interval: '5s', scrape_timeout: '6s' },
        filter,
      ),
    ).toThrow('global: scrape_timeout is greater than scrape_interval');
  });

  it('rejects bad values with what to change', () => {
    expect(() =>
      scrapeJobSettingsFromConfig({ job_name: 'a', scrape_interval: '5 s' }, {}, filter),
    ).toThrow('job "a": scrape_interval: "5 s" is not a valid duration (use e.g. 30s, 1m, 1h30m)');
    expect(() => scrapeJobSettingsFromConfig({ job_name: 'a', scheme: 'ftp' }, {}, filter)).toThrow(
      'job "a": scheme must be http or https, got "ftp"',
    );
    expect(() => scrapeJobSettingsFromConfig({ scheme: 'http' }, {}, filter)).toThrow(
      'has no job_name',
    );
    expect(() =>
      scrapeJobSettingsFromConfig({ job_name: 'a', params: { m: 'x' } }, {}, filter),
    ).toThrow('job "a": params.m must be a list of strings');
  });

  it('compiles relabel_configs with the job name in errors, and the scheme the config asks for', () => {
    expect(() =>
      scrapeJobSettingsFromConfig(
        { job_name: 'a', relabel_configs: [{ action: 'nope' }] },
        {},
        filter,
      ),
    ).toThrow('job "a": relabel_configs[0]: unknown relabel action "nope"');
    const legacy = {
      job_name: 'a',
      relabel_configs: [{ source_labels: ['x'], target_label: 'my-label' }],
    };
    expect(() => scrapeJobSettingsFromConfig(legacy, {}, filter)).not.toThrow();
    expect(() =>
      scrapeJobSettingsFromConfig(legacy, { metric_name_validation_scheme: 'legacy' }, filter),
    ).toThrow(`"my-label" is invalid 'target_label' for replace action`);
  });

  it('seeds __param_<name> with the first value', () => {
    const s = scrapeJobSettingsFromConfig(
      { job_name: 'a', params: { module: ['a', 'b'], empty: [] } },
      {},
      filter,
    );
    expect(s.seedLabels.__param_module).toBe('a');
    expect(s.seedLabels).not.toHaveProperty('__param_empty');
  });
});
