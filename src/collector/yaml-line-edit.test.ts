import fc from 'fast-check';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cloneJson, type JsonObject } from './json-value.js';
import { editByLines } from './yaml-line-edit.js';

const render = (key: string, value: unknown): string =>
  stringify({ [key]: value }, { lineWidth: 0, indentSeq: false });

function edit(text: string, change: (next: JsonObject) => void): string | undefined {
  const before = load(text) as JsonObject;
  const next = cloneJson(before);
  change(next);
  return editByLines(text, before, next, render);
}

const CONFIG = `# receivers first
receivers:
  prometheus:
    config:
      scrape_configs:
      - job_name: 'a'   # quoted, commented
        static_configs:
        - targets: [ 'x:1' ]
        metrics_path: /m

      # job b
      - job_name: "b"
        static_configs: [{targets: ['y:2']}]
exporters:
  debug:   {}   # spacing kept
`;

function toHttpSd(next: JsonObject): void {
  const prometheus = (next.receivers as JsonObject).prometheus as JsonObject;
  for (const job of (prometheus.config as JsonObject).scrape_configs as JsonObject[]) {
    const rest = { ...job };
    delete rest.static_configs;
    for (const key of Object.keys(job)) delete job[key];
    Object.assign(job, { job_name: rest.job_name, http_sd_configs: [{ url: 'http://ta/t' }] });
    if (rest.metrics_path !== undefined) job.metrics_path = rest.metrics_path;
  }
}

describe('editByLines', () => {
  it('removes and inserts entries where the Document edit would, keeping every other byte', () => {
    expect(edit(CONFIG, toHttpSd)).toBe(`# receivers first
receivers:
  prometheus:
    config:
      scrape_configs:
      - job_name: 'a'   # quoted, commented
        http_sd_configs:
        - url: http://ta/t
        metrics_path: /m

      # job b
      - job_name: "b"
        http_sd_configs:
        - url: http://ta/t
exporters:
  debug:   {}   # spacing kept
`);
  });

  it('writes a changed scalar anew, after the `- ` of its item', () => {
    const text = 'jobs:\n  - name: a\n    port: 1\n';
    expect(
      edit(text, (next) => {
        ((next.jobs as JsonObject[])[0] as JsonObject).name = 'b';
      }),
    ).toBe('jobs:\n  - name: b\n    port: 1\n');
  });

  it('inserts before the first entry when no kept key precedes the new one', () => {
    const text = 'a: 1\nb: 2\n';
    expect(edit(text, (next) => Object.assign(next, { z: 0 }))).toBe('a: 1\nb: 2\nz: 0\n');
    const reordered = editByLines(text, { a: 1, b: 2 }, { z: 0, a: 1, b: 2 }, render);
    expect(reordered).toBe('z: 0\na: 1\nb: 2\n');
  });

  it('appends to a text without a final newline', () => {
    expect(edit('a: 1', (next) => Object.assign(next, { b: 2 }))).toBe('a: 1\nb: 2');
  });

  it('leaves to the Document edit what it does not recognise', () => {
    const firstKeyOfItem = 'jobs:\n- name: a\n  port: 1\n';
    expect(edit(firstKeyOfItem, (next) => delete (next.jobs as JsonObject[])[0]!.name)).toBe(
      undefined,
    );
    expect(edit(firstKeyOfItem, (next) => (next.jobs as JsonObject[]).push({ name: 'b' }))).toBe(
      undefined,
    );
    const flow = 'a: {b: 1, c: 2}\n';
    expect(edit(flow, (next) => ((next.a as JsonObject).c = 3))).toBe(undefined);
    expect(edit(`---\n${flow}`, (next) => (next.d = 1))).toBe(undefined);
  });
});

/** Nested maps and lists of maps with scalars, as collector configs are. */
const keyArb = fc.constantFrom('a', 'b', 'job_name', 'static_configs', 'x-y', 'url', '"q"', 'n1');
const scalarArb = fc.oneof(
  fc.constantFrom('v', '10s', 'http://h:80/p?q=${env:X}', '', 'true', '1', 'a: b', '# c'),
  fc.integer({ min: -5, max: 5 }),
  fc.boolean(),
  fc.constant(null),
);
const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb,
    tie('map'),
    fc.array(tie('map'), { maxLength: 3 }),
  ),
  map: fc.dictionary(keyArb, tie('value'), { maxKeys: 4 }),
})).value;
const rootArb = fc.dictionary(keyArb, valueArb, { minKeys: 1, maxKeys: 4 });

/** Deletes, adds or replaces keys at random depths, as the rewrite does. */
function mutateRandomly(value: JsonObject, choices: number[]): void {
  let turn = 0;
  const pick = (): number => choices[turn++ % choices.length] ?? 0;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    const map = node as JsonObject;
    for (const key of Object.keys(map)) {
      const choice = pick() % 6;
      if (choice === 0) delete map[key];
      else if (choice === 1) map[key] = 'changed';
      else if (choice === 2) map[`${key}_new`] = [{ url: 'http://ta/x' }];
      else walk(map[key]);
    }
  };
  walk(value);
}

describe('editByLines over generated texts', () => {
  it('gives either no edit or a text that reads as the target', () => {
    fc.assert(
      fc.property(
        rootArb,
        fc.boolean(),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (root, indentSeq, choices) => {
          const text = stringify(root, { lineWidth: 0, indentSeq });
          const before = load(text) as JsonObject;
          const next = cloneJson(before);
          mutateRandomly(next, choices);
          const edited = editByLines(text, before, next, render);
          if (edited !== undefined) expect(load(edited) ?? {}).toEqual(next);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
