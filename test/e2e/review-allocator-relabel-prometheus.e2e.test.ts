import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRelabelConfigs } from '../../src/allocator/relabel/index.js';
import type { Labels } from '../../src/allocator/model.js';
import { ProcessGroup, waitFor } from './support/processes.js';
import { startPrometheus, type PrometheusInstance } from './support/prometheus.js';

// Differential check of our relabeling against the real Prometheus (Debian's 2.42): each case is
// one scrape job with one static target; Prometheus's /api/v1/targets shows the labels it kept
// (or the target among the dropped ones), which must equal ours after the same finishing steps
// (`__`-prefixed and empty labels removed, `instance` defaulted to `__address__`). Cases avoid
// what 2.42 and Prometheus 3 treat differently (UTF-8 label names, `.` and newlines).

interface Case {
  readonly name: string;
  readonly labels: Labels;
  readonly rules: readonly Record<string, unknown>[];
}

const ADDRESS = '10.0.0.1:9100';

const CASES: readonly Case[] = [
  {
    name: 'empty_regex_on_value',
    labels: { a: 'x' },
    rules: [{ source_labels: ['a'], regex: '', target_label: 'b', replacement: 'hit' }],
  },
  {
    name: 'empty_regex_on_missing',
    labels: { a: 'x' },
    rules: [{ source_labels: ['zz'], regex: '', target_label: 'b', replacement: 'hit' }],
  },
  {
    name: 'group_not_participating',
    labels: { a: 'foo' },
    rules: [{ source_labels: ['a'], regex: '(bar)?foo', target_label: 'b', replacement: '[$1]' }],
  },
  {
    name: 'dollar_1x_and_braced',
    labels: { a: 'foo' },
    rules: [
      { source_labels: ['a'], target_label: 'b', replacement: '$1x' },
      { source_labels: ['a'], target_label: 'c', replacement: '${1}x' },
    ],
  },
  {
    name: 'group_out_of_range',
    labels: { a: 'x' },
    rules: [
      { source_labels: ['a'], regex: '(x)', target_label: 'r', replacement: 'a$2b${10}c$01d' },
    ],
  },
  {
    name: 'literal_dollars',
    labels: { a: 'x' },
    rules: [{ source_labels: ['a'], target_label: 'r', replacement: '$$1 ${ $ ${1' }],
  },
  {
    name: 'value_with_dollar',
    labels: { a: 'x$1y' },
    rules: [{ source_labels: ['a'], target_label: 'r', replacement: '$1-$1' }],
  },
  {
    name: 'named_groups',
    labels: { a: 'k=v' },
    rules: [
      {
        source_labels: ['a'],
        regex: '(?P<key>[^=]+)=(?P<val>.*)',
        target_label: '$key',
        replacement: '${val}_$val',
      },
    ],
  },
  {
    name: 'target_from_group_invalid',
    labels: { a: '1x' },
    rules: [{ source_labels: ['a'], target_label: '$1', replacement: 'v' }],
  },
  {
    name: 'replace_with_empty_deletes',
    labels: { a: 'x', b: 'y' },
    rules: [{ source_labels: ['zz'], target_label: 'b' }],
  },
  {
    name: 'labelmap_collision',
    labels: { __meta_x_a: '1', __meta_y_a: '2', a: '0' },
    rules: [{ action: 'labelmap', regex: '__meta_[xy]_(.+)' }],
  },
  {
    name: 'labelmap_collision_order',
    labels: { __meta_b_a: '1', __meta_a_a: '2' },
    rules: [{ action: 'labelmap', regex: '__meta_._(.+)' }],
  },
  {
    name: 'labelmap_empty_value',
    labels: { __meta_a: '', b: 'q' },
    rules: [{ action: 'labelmap', regex: '__meta_(.*)', replacement: 'm_$1' }],
  },
  {
    name: 'labelmap_to_dunder',
    labels: { __meta_a: '1' },
    rules: [
      { action: 'labelmap', regex: '__meta_(a)', replacement: '__tmp_$1' },
      { source_labels: ['__tmp_a'], target_label: 'got' },
    ],
  },
  {
    name: 'hashmod',
    labels: { a: 'foo' },
    rules: [
      { action: 'hashmod', source_labels: ['__address__'], modulus: 7, target_label: 'h' },
      { action: 'hashmod', source_labels: ['a'], modulus: 1000000007, target_label: 'h2' },
    ],
  },
  {
    name: 'hashmod_of_missing',
    labels: {},
    rules: [{ action: 'hashmod', source_labels: ['nope'], modulus: 3, target_label: 'h' }],
  },
  {
    name: 'case_non_ascii',
    labels: { a: 'ÄÖÜ ǅ İSTANBUL ΣΑΣ ẞ straße ﬁ ı ſ' },
    rules: [
      { action: 'lowercase', source_labels: ['a'], target_label: 'l' },
      { action: 'uppercase', source_labels: ['a'], target_label: 'u' },
    ],
  },
  {
    name: 'lowercase_of_missing',
    labels: { l: 'old' },
    rules: [{ action: 'lowercase', source_labels: ['nope'], target_label: 'l' }],
  },
  {
    name: 'case_insensitive_flag',
    labels: { a: 'FooBAR' },
    rules: [{ action: 'keep', source_labels: ['a'], regex: '(?i)foobar' }],
  },
  {
    name: 'case_insensitive_unicode',
    labels: { a: 'ς', b: 'k' },
    rules: [
      { action: 'keep', source_labels: ['a'], regex: '(?i)Σ' },
      { action: 'keep', source_labels: ['b'], regex: '(?i)\u212a' },
    ],
  },
  {
    name: 'separator_and_missing',
    labels: { a: 'x', b: 'y' },
    rules: [{ source_labels: ['a', 'b', 'missing'], separator: '::', target_label: 'j' }],
  },
  {
    name: 'keepequal_dropequal',
    labels: { a: 'x', b: 'x' },
    rules: [
      { action: 'keepequal', source_labels: ['a'], target_label: 'b' },
      { action: 'dropequal', source_labels: ['a'], target_label: 'c' },
    ],
  },
  {
    name: 'keepequal_empty_vs_missing',
    labels: { a: '' },
    rules: [{ action: 'keepequal', source_labels: ['a'], target_label: 'nope' }],
  },
  {
    name: 'dropequal_drops',
    labels: { a: 'x', b: 'x' },
    rules: [{ action: 'dropequal', source_labels: ['a'], target_label: 'b' }],
  },
  {
    name: 'labeldrop_labelkeep',
    labels: { a: 'x', b: 'y', c: 'z' },
    rules: [
      { action: 'labeldrop', regex: '[a]' },
      { action: 'labelkeep', regex: '__.*|b|job' },
    ],
  },
  {
    name: 'drop_on_empty_alternative',
    labels: { a: '' },
    rules: [{ action: 'drop', source_labels: ['a'], regex: 'x|' }],
  },
  {
    name: 'anchored_alternation',
    labels: { a: 'foobar' },
    rules: [{ action: 'keep', source_labels: ['a'], regex: 'foo|bar' }],
  },
  {
    name: 'leftmost_first',
    labels: { a: 'ab' },
    rules: [{ source_labels: ['a'], regex: '(a|ab)(b?)', target_label: 'r', replacement: '$1|$2' }],
  },
  {
    name: 'non_greedy_and_U',
    labels: { a: 'aaa' },
    rules: [
      { source_labels: ['a'], regex: '(a+?)(a*)', target_label: 'r', replacement: '$1|$2' },
      { source_labels: ['a'], regex: '(?U)(a+)(a*)', target_label: 's', replacement: '$1|$2' },
    ],
  },
  {
    name: 'classes',
    labels: { a: 'héllo1_' },
    rules: [
      {
        source_labels: ['a'],
        regex: '(\\pL+)(\\d)(\\W*)(_)',
        target_label: 'r',
        replacement: '$1[$2][$3]$4',
      },
      { source_labels: ['a'], regex: '([[:alpha:]]+).*', target_label: 'p', replacement: '$1' },
    ],
  },
  {
    name: 'quoting_and_escapes',
    labels: { a: 'a.b*', b: 'é' },
    rules: [
      { action: 'keep', source_labels: ['a'], regex: '\\Qa.b*\\E' },
      { action: 'keep', source_labels: ['b'], regex: '\\x{e9}' },
    ],
  },
  {
    name: 'address_rewrite',
    labels: {},
    rules: [
      {
        source_labels: ['__address__'],
        regex: '(.+):(\\d+)',
        target_label: '__address__',
        replacement: '$1:8080',
      },
    ],
  },
  {
    name: 'instance_kept_when_set',
    labels: { instance: 'mine' },
    rules: [
      { source_labels: ['__address__'], target_label: '__address__', replacement: '10.9.9.9:1' },
    ],
  },
];

/** What Prometheus keeps of a relabeled target, from our own relabeling. */
function finished(labels: Labels | null): Record<string, string> | null {
  if (labels === null || (labels.__address__ ?? '') === '') return null;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (!name.startsWith('__') && value !== '') out[name] = value;
  }
  out.instance ??= labels.__address__!;
  return out;
}

function sorted(labels: Record<string, string> | null): string {
  return labels === null
    ? 'dropped'
    : JSON.stringify(Object.fromEntries(Object.entries(labels).sort()));
}

describe('relabeling, differentially against a real Prometheus', () => {
  let group: ProcessGroup;
  let prometheus: PrometheusInstance;
  const kept = new Map<string, Record<string, string>>();
  const seen = new Set<string>();

  beforeAll(async () => {
    group = await ProcessGroup.create('otel-ta-e2e-review-relabel');
    prometheus = await startPrometheus(group, {
      name: 'prometheus',
      config: {
        global: { scrape_interval: '1h', scrape_timeout: '10s' },
        scrape_configs: CASES.map((c) => ({
          job_name: c.name,
          static_configs: [{ targets: [ADDRESS], labels: c.labels }],
          relabel_configs: c.rules,
        })),
      },
    });
    await waitFor(
      'every case among the active or dropped targets',
      async () => {
        const res = await fetch(`${prometheus.url}/api/v1/targets?state=any`);
        const body = (await res.json()) as {
          data: {
            activeTargets: { scrapePool: string; labels: Record<string, string> }[];
            droppedTargets: { discoveredLabels: Record<string, string> }[];
          };
        };
        kept.clear();
        seen.clear();
        for (const t of body.data.activeTargets) {
          kept.set(t.scrapePool, t.labels);
          seen.add(t.scrapePool);
        }
        for (const t of body.data.droppedTargets) seen.add(t.discoveredLabels.job ?? '');
        return CASES.every((c) => seen.has(c.name)) ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
  }, 60_000);

  afterAll(async () => {
    await group?.stopAll();
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s gives the labels Prometheus gives',
    (_name, c) => {
      const seeded: Labels = {
        __address__: ADDRESS,
        job: c.name,
        __scheme__: 'http',
        __metrics_path__: '/metrics',
        __scrape_interval__: '1h',
        __scrape_timeout__: '10s',
        ...c.labels,
      };
      const ours = compileRelabelConfigs(c.rules, { job: c.name, nameValidation: 'legacy' }).apply(
        seeded,
      );
      expect(sorted(finished(ours))).toBe(sorted(kept.get(c.name) ?? null));
    },
  );
});
