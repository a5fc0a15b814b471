import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Labels, TargetGroup } from '../model.js';
import { compileRelabelConfigs } from '../relabel/index.js';
import { TargetBuilder, buildJobTargets, buildTargets } from './build-targets.js';
import { scrapeJobSettingsFromConfig, type ScrapeJobSettings } from './scrape-job-settings.js';
import { IdentityHasher } from './target-identity.js';

function job(
  relabelConfigs: unknown[] = [],
  extra: Record<string, unknown> = {},
): ScrapeJobSettings {
  return scrapeJobSettingsFromConfig(
    { job_name: 'api', relabel_configs: relabelConfigs, ...extra },
    {},
    { filterByRelabel: true },
  );
}

function group(targets: Labels[], labels: Labels = {}, source = 'g'): TargetGroup {
  return { source, targets, labels };
}

describe('buildTargets', () => {
  it('merges group labels then target labels, the target winning, and serves them without seeds', () => {
    const [target] = buildTargets(job(), [
      group([{ __address__: 'a:1', team: 'target' }], { team: 'group', zone: 'z1' }),
    ]);
    expect(target!.labels).toEqual({ team: 'target', zone: 'z1', __address__: 'a:1' });
    expect(target!.address).toBe('a:1');
    expect(target!.job).toBe('api');
  });

  it('shares the discovered label object when the group has no labels', () => {
    const labels = { __address__: 'a:1' };
    expect(buildTargets(job(), [group([labels])])[0]!.labels).toBe(labels);
  });

  it('seeds job, __scheme__, __metrics_path__, interval, timeout and params only where absent', () => {
    const seen = [
      'job',
      '__scheme__',
      '__metrics_path__',
      '__scrape_interval__',
      '__scrape_timeout__',
      '__param_module',
    ];
    const keepIf = (expected: string) =>
      job([{ source_labels: seen, separator: ',', regex: expected, action: 'keep' }], {
        scheme: 'https',
        params: { module: ['http_2xx', 'ignored'] },
        scrape_interval: '90s',
      });
    const own = { __address__: 'a:1', job: 'mine', __scheme__: 'http', __param_module: 'icmp' };
    expect(buildTargets(keepIf('mine,http,/metrics,1m30s,10s,icmp'), [group([own])])).toHaveLength(
      1,
    );
    const bare = { __address__: 'b:1' };
    const [target] = buildTargets(keepIf('api,https,/metrics,1m30s,10s,http_2xx'), [group([bare])]);
    expect(target!.labels).toBe(bare);
  });

  it('treats an empty discovered value as absent, so the seed applies', () => {
    const settings = job([
      { source_labels: ['__metrics_path__'], regex: '/metrics', action: 'keep' },
    ]);
    expect(
      buildTargets(settings, [group([{ __address__: 'a:1', __metrics_path__: '' }])]),
    ).toHaveLength(1);
  });

  it('drops what relabeling drops and targets without __address__, and counts both', () => {
    const settings = job([{ source_labels: ['__meta_keep'], regex: 'true', action: 'keep' }]);
    const report = buildJobTargets(settings, [
      group([
        { __address__: 'a:1', __meta_keep: 'true' },
        { __address__: 'b:1', __meta_keep: 'false' },
        { __meta_keep: 'true' },
        { __address__: '', __meta_keep: 'true' },
      ]),
    ]);
    expect(report.targets.map((t) => t.address)).toEqual(['a:1']);
    expect(report).toMatchObject({
      discovered: 4,
      withoutAddress: 2,
      droppedByRelabel: 1,
      duplicates: 0,
    });
  });

  it('deduplicates two targets that relabeling rewrites to the same address, keeping the lower discovered address in either order', () => {
    const settings = job([
      {
        source_labels: ['__address__'],
        regex: '([^:]+):\\d+',
        replacement: '$1:9090',
        target_label: '__address__',
      },
    ]);
    const groups = [
      group([{ __address__: 'a:2', __meta_port: 'two' }], {}, 'h'),
      group([{ __address__: 'a:1', __meta_port: 'one' }]),
    ];
    for (const order of [groups, [...groups].reverse()]) {
      const report = buildJobTargets(settings, order);
      expect(report.targets).toHaveLength(1);
      expect(report.targets[0]).toMatchObject({ address: 'a:1', labels: { __meta_port: 'one' } });
      expect(report.duplicates).toBe(1);
    }
  });

  it('keeps the same address in two jobs apart', () => {
    const groups = [group([{ __address__: 'a:1' }])];
    const api = buildTargets(job(), groups)[0]!;
    const other = buildTargets(
      scrapeJobSettingsFromConfig({ job_name: 'other' }, {}, { filterByRelabel: true }),
      groups,
    )[0]!;
    expect(api.id).not.toBe(other.id);
  });

  it('ignores __meta_* labels in the identity, but not other labels', () => {
    const report = buildJobTargets(job(), [
      group([
        { __address__: 'a:1', __meta_pod: 'p1' },
        { __address__: 'a:1', __meta_pod: 'p2' },
        { __address__: 'a:1', team: 'x' },
      ]),
    ]);
    expect(report.targets).toHaveLength(2);
    expect(report.duplicates).toBe(1);
  });

  it('counts seeded labels in the identity only if they survive relabeling', () => {
    const keepAll = job();
    const dropJob = job([{ action: 'labeldrop', regex: 'job' }]);
    const other = scrapeJobSettingsFromConfig(
      { job_name: 'api', scheme: 'https' },
      {},
      { filterByRelabel: true },
    );
    const targets = [group([{ __address__: 'a:1' }])];
    const ids = [keepAll, dropJob, other].map((s) => buildTargets(s, targets)[0]!.id);
    expect(new Set(ids).size).toBe(3);
  });

  it('does not relabel when filtering is off', () => {
    const settings = scrapeJobSettingsFromConfig(
      {
        job_name: 'api',
        relabel_configs: [{ action: 'drop', regex: '.*', source_labels: ['__address__'] }],
      },
      {},
      { filterByRelabel: false },
    );
    expect(settings.relabel).toBeUndefined();
    expect(buildTargets(settings, [group([{ __address__: 'a:1' }])])).toHaveLength(1);
  });

  it('resolves labelmap collisions across group and target labels like Prometheus (name order)', () => {
    const settings = job([
      { action: 'labelmap', regex: '__meta_(?:a|b)_(.*)' },
      { source_labels: ['x'], regex: 'from-b', action: 'keep' },
    ]);
    const groups = [
      group([{ __address__: 'a:1', __meta_a_x: 'from-a' }], { __meta_b_x: 'from-b' }),
    ];
    expect(buildTargets(settings, groups)).toHaveLength(1);
    expect(buildTargets(settings, [...groups, ...groups])).toHaveLength(1);
  });

  it('extracts the node name from the pre-relabel labels', () => {
    const settings = job([{ action: 'labeldrop', regex: '__meta_.*' }]);
    const [target] = buildTargets(settings, [
      group([{ __address__: 'a:1' }], { __meta_kubernetes_pod_node_name: 'n1' }),
    ]);
    expect(target!.nodeName).toBe('n1');
  });
});

describe('TargetBuilder', () => {
  it('reuses the outcome of an unchanged group object and processes a replaced one', () => {
    const builder = new TargetBuilder(job());
    const a = group([{ __address__: 'a:1' }], {}, 'a');
    const b = group([{ __address__: 'b:1' }], {}, 'b');
    const first = builder.build([a, b]);
    const b2 = group([{ __address__: 'b:2' }], {}, 'b');
    const second = builder.build([a, b2]);
    expect(second.targets[0]).toBe(first.targets[0]);
    expect(second.targets.map((t) => t.address)).toEqual(['a:1', 'b:2']);
  });

  it('builds an unchanged group again when told not to remember groups, with the same result', () => {
    const builder = new TargetBuilder(job(), { rememberGroups: false });
    const a = group([{ __address__: 'a:1' }], {}, 'a');
    const first = builder.build([a]);
    const second = builder.build([a]);
    expect(second.targets[0]).not.toBe(first.targets[0]);
    expect(second.targets).toEqual(first.targets);
  });
});

/** The identity computed the slow, obvious way: relabel, drop __meta_*, hash in sorted order. */
function referenceId(settings: ScrapeJobSettings, labels: Labels): string | null {
  const seeded: Record<string, string> = { ...settings.seedLabels };
  for (const [k, v] of Object.entries(labels)) if (v !== '') seeded[k] = v;
  const out = settings.relabel === undefined ? seeded : settings.relabel.apply(seeded);
  if (out === null) return null;
  const hasher = new IdentityHasher();
  hasher.begin(settings.jobName);
  for (const name of Object.keys(out).sort()) {
    if (!name.startsWith('__meta_') && out[name] !== '') hasher.add(name, out[name]!);
  }
  return hasher.digest();
}

const labelName = fc.constantFrom(
  '__address__',
  'a',
  'b',
  'job',
  '__meta_x',
  '__meta_y',
  'team',
  '__scheme__',
);
const labelValue = fc.constantFrom('', '1', '2', 'x', 'a:1', 'https');
const labelSet = fc.dictionary(labelName, labelValue, { maxKeys: 6 });

describe('target identity', () => {
  it('does not depend on label insertion order', () => {
    fc.assert(
      fc.property(labelSet, fc.integer(), (labels, seed) => {
        const entries = Object.entries({ __address__: 'h:1', ...labels });
        const shuffled = [...entries].sort(
          (x, y) => ((x[0].length * 31 + seed) % 7) - ((y[0].length * 31 + seed) % 7),
        );
        const ids = [entries, shuffled].map(
          (e) => buildTargets(job(), [group([Object.fromEntries(e)])])[0]?.id,
        );
        expect(ids[0]).toBe(ids[1]);
      }),
      { numRuns: 300 },
    );
  });

  it('equals a plain hash of the sorted post-relabel labels, whatever the rules changed', () => {
    const rules = [
      { source_labels: ['a'], target_label: 'b' },
      { source_labels: ['__meta_x'], regex: '(.+)', target_label: 'team' },
      { action: 'labelmap', regex: '__meta_(.*)', replacement: 'meta_$1' },
      { action: 'labeldrop', regex: 'job|__scheme__' },
      { source_labels: ['b'], regex: '2', target_label: 'a', replacement: '' },
    ];
    const settings = job(rules);
    expect(compileRelabelConfigs(rules).rules).toHaveLength(5);
    fc.assert(
      fc.property(labelSet, labelSet, (own, groupLabels) => {
        const targetLabels = { __address__: 'h:1', ...own };
        const built = buildTargets(settings, [group([targetLabels], groupLabels)])[0];
        const merged = { ...groupLabels, ...targetLabels };
        const expected = merged.__address__ === '' ? null : referenceId(settings, merged);
        expect(built?.id ?? null).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
