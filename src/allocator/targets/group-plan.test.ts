import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Labels, Target, TargetGroup } from '../model.js';
import { TargetBuilder, type TargetBuildReport } from './build-targets.js';
import { scrapeJobSettingsFromConfig } from './scrape-job-settings.js';

// A small vocabulary, so rules and labels collide often: seeds, meta labels, a node label.
const NAMES = [
  'a',
  'b',
  'c',
  'job',
  '__scheme__',
  '__address__',
  '__meta_x',
  '__meta_kubernetes_pod_node_name',
  'tmp',
] as const;
const name = fc.constantFrom(...NAMES);
const value = fc.constantFrom('', '1', '2', 'x', 'a:1', 'https', 'B');
const labels = fc.dictionary(name, value, { maxKeys: 5 });
const regex = fc.constantFrom('(.*)', '(.+)', '1|2', 'x', 'a(.*)', '__meta_(.*)', '(a|b)', '.*:.*');

const rule: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({
    action: fc.constant('replace'),
    source_labels: fc.array(name, { maxLength: 2 }),
    target_label: fc.oneof(name, fc.constant('t_$1')),
    regex,
    replacement: fc.constantFrom('$1', 'v', '', '${1}z'),
  }),
  fc.record({
    action: fc.constantFrom('keep', 'drop'),
    source_labels: fc.array(name, { minLength: 1, maxLength: 2 }),
    regex,
  }),
  fc.record({
    action: fc.constantFrom('keepequal', 'dropequal'),
    source_labels: fc.array(name, { minLength: 1, maxLength: 1 }),
    target_label: name,
  }),
  fc.record({
    action: fc.constantFrom('hashmod'),
    source_labels: fc.array(name, { minLength: 1, maxLength: 2 }),
    target_label: name,
    modulus: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    action: fc.constantFrom('lowercase', 'uppercase'),
    source_labels: fc.array(name, { minLength: 1, maxLength: 2 }),
    target_label: name,
  }),
  fc.record({
    action: fc.constant('labelmap'),
    regex: fc.constantFrom('__meta_(.*)', '(a|b)', 't(.*)'),
    replacement: fc.constantFrom('$1', 'm_$1', 'c'),
  }),
  fc.record({
    action: fc.constantFrom('labeldrop', 'labelkeep'),
    regex: fc.constantFrom('tmp', 'a|b', '__.*', 'c|job|__address__|__scheme__'),
  }),
);

/** Targets of one group mostly share their label names, as discovery emits them. */
const group = (index: number): fc.Arbitrary<TargetGroup> =>
  fc
    .record({
      shape: fc.uniqueArray(name, { maxLength: 4 }),
      values: fc.array(fc.array(value, { minLength: 4, maxLength: 4 }), {
        minLength: 1,
        maxLength: 8,
      }),
      odd: fc.array(labels, { maxLength: 2 }),
      labels,
    })
    .map(({ shape, values, odd, labels: groupLabels }) => ({
      source: `g${index}`,
      labels: groupLabels,
      targets: [
        ...values.map((row) => Object.fromEntries(shape.map((n, i) => [n, row[i]!]))),
        ...odd,
      ],
    }));

function snapshot(report: TargetBuildReport): unknown {
  const targets = report.targets.map((t: Target) => ({
    id: t.id,
    address: t.address,
    nodeName: t.nodeName,
    labels: { ...t.labels },
  }));
  return { ...report, targets };
}

describe('relabeling planned per group', () => {
  it('gives exactly the targets, identities and counts of relabeling each target whole', () => {
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 6 }),
        fc.tuple(group(0), group(1), group(2)),
        (rules, groups) => {
          const settings = scrapeJobSettingsFromConfig(
            { job_name: 'api', relabel_configs: rules },
            {},
            { filterByRelabel: true },
          );
          const planned = new TargetBuilder(settings).build(groups);
          const whole = new TargetBuilder(settings, { planGroups: false }).build(groups);
          expect(snapshot(planned)).toEqual(snapshot(whole));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('replays a per-target rule before a later labelmap that sets its label back to the group value', () => {
    // Found by the property above: the labelmap after the hashmod sets c to the value c already
    // had on the group, which looked like no change, so it ran once per group before the hashmod.
    const settings = scrapeJobSettingsFromConfig(
      {
        job_name: 'api',
        relabel_configs: [
          { action: 'labelmap', regex: '(a|b)', replacement: 'c' },
          { action: 'hashmod', source_labels: ['__scheme__'], target_label: 'c', modulus: 1 },
          { action: 'labelmap', regex: 't(.*)', replacement: 'c' },
        ],
      },
      {},
      { filterByRelabel: true },
    );
    const groups: TargetGroup[] = [
      {
        source: 'g',
        labels: { a: '2', __address__: 'h:1', tmp: '2' },
        targets: [{ __scheme__: '' }, { __scheme__: '' }, { __scheme__: '' }, { __scheme__: '' }],
      },
    ];
    const planned = new TargetBuilder(settings).build(groups);
    const whole = new TargetBuilder(settings, { planGroups: false }).build(groups);
    expect(snapshot(planned)).toEqual(snapshot(whole));
  });

  it('drops a whole group with one evaluation when a static rule drops it', () => {
    const settings = scrapeJobSettingsFromConfig(
      {
        job_name: 'api',
        relabel_configs: [{ source_labels: ['team'], regex: 'keep-me', action: 'keep' }],
      },
      {},
      { filterByRelabel: true },
    );
    const targets: Labels[] = Array.from({ length: 10 }, (_, i) => ({ __address__: `h${i}:1` }));
    const report = new TargetBuilder(settings).build([
      { source: 'a', labels: { team: 'other' }, targets },
      { source: 'b', labels: { team: 'keep-me' }, targets },
    ]);
    expect(report.droppedByRelabel).toBe(10);
    expect(report.targets.map((t) => t.address)).toEqual(targets.map((t) => t.__address__));
  });
});
