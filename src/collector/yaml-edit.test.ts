import fc from 'fast-check';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cloneJson, type JsonObject } from './json-value.js';
import { editYamlEntries, parseYamlDocument } from './yaml-edit.js';
import { detectYamlLayout } from './yaml-format.js';

function editTo(text: string, next: JsonObject): string | undefined {
  const before = load(text) as JsonObject;
  return editYamlEntries(parseYamlDocument(text), text, before, next, detectYamlLayout(text));
}

function edit(text: string, change: (next: JsonObject) => void): string | undefined {
  const next = cloneJson(load(text) as JsonObject);
  change(next);
  return editTo(text, next);
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

describe('editYamlEntries', () => {
  it('replaces only the entries that change, in the layout of the text, keeping every other byte', () => {
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

  it('writes a changed scalar anew after the `- ` of its item, keeping its comment', () => {
    const text = 'jobs:\n  - name: a # the name\n    port: 1\n';
    expect(
      edit(text, (next) => {
        ((next.jobs as JsonObject[])[0] as JsonObject).name = 'b';
      }),
    ).toBe('jobs:\n  - name: b # the name\n    port: 1\n');
  });

  it('inserts before the first entry when no kept key precedes the new one', () => {
    const text = 'a: 1\nb: 2\n';
    expect(edit(text, (next) => Object.assign(next, { z: 0 }))).toBe('a: 1\nb: 2\nz: 0\n');
    expect(editTo(text, { z: 0, a: 1, b: 2 })).toBe('z: 0\na: 1\nb: 2\n');
    const item = 'jobs:\n- name: a\n  port: 1\n';
    expect(editTo(item, { jobs: [{ id: 0, name: 'a', port: 1 }] })).toBe(
      'jobs:\n- id: 0\n  name: a\n  port: 1\n',
    );
  });

  it('removes the first key of a `- ` item, moving the next one behind the dash', () => {
    const text = 'jobs:\n- name: a\n  port: 1\n';
    expect(edit(text, (next) => delete (next.jobs as JsonObject[])[0]!.name)).toBe(
      'jobs:\n- port: 1\n',
    );
  });

  it('appends to a text without a final newline', () => {
    expect(edit('a: 1', (next) => Object.assign(next, { b: 2 }))).toBe('a: 1\nb: 2');
  });

  it('writes an entry again whole when its value cannot be edited inside, keeping the comments in it', () => {
    const text = 'a:\n  # why b\n  b: 1\n  list:\n  - x\nc: 2\n';
    expect(edit(text, (next) => ((next.a as JsonObject).list as string[]).push('y'))).toBe(
      'a:\n  # why b\n  b: 1\n  list:\n  - x\n  - y\nc: 2\n',
    );
    const flow = 'a: {b: 1, c: 2}\n';
    expect(edit(flow, (next) => ((next.a as JsonObject).c = 3))).toBe('a: {b: 1, c: 3}\n');
  });

  it('leaves to the whole-document edit a sequence item that is not a map', () => {
    const text = 'jobs:\n- [a]\n- [b]\n';
    expect(editTo(text, { jobs: [['a'], ['c']] })).toBe(undefined);
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

describe('editYamlEntries over generated texts', () => {
  it('gives either no edit or a text that reads as the target', () => {
    let edited = 0;
    fc.assert(
      fc.property(
        rootArb,
        fc.boolean(),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (root, indentSeq, choices) => {
          const text = stringify(root, { lineWidth: 0, indentSeq });
          const next = cloneJson(load(text) as JsonObject);
          mutateRandomly(next, choices);
          const result = editTo(text, next);
          if (result === undefined) return;
          edited++;
          expect(load(result) ?? {}).toEqual(next);
        },
      ),
      { numRuns: 1500 },
    );
    expect(edited).toBeGreaterThan(750);
  });
});
