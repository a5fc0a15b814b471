/**
 * Cases shared by the tests of the two in-place YAML editors (src/collector/yaml-line-edit.ts and
 * src/collector/yaml-edit.ts): one config and its http_sd rewrite, and generated texts with random
 * edits, run against each editor.
 */
import fc from 'fast-check';
import { load } from 'js-yaml';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { cloneJson, type JsonObject } from '../../../src/collector/json-value.js';

export const CONFIG = `# receivers first
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

/** CONFIG after `toHttpSd`, every untouched byte kept. */
export const CONFIG_AS_HTTP_SD = `# receivers first
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
`;

export function toHttpSd(next: JsonObject): void {
  const prometheus = (next.receivers as JsonObject).prometheus as JsonObject;
  for (const job of (prometheus.config as JsonObject).scrape_configs as JsonObject[]) {
    const rest = { ...job };
    delete rest.static_configs;
    for (const key of Object.keys(job)) delete job[key];
    Object.assign(job, { job_name: rest.job_name, http_sd_configs: [{ url: 'http://ta/t' }] });
    if (rest.metrics_path !== undefined) job.metrics_path = rest.metrics_path;
  }
}

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

/**
 * Runs `editTo` over 1500 generated texts, each towards a random edit of itself, asserting that
 * every edit it gives reads as its target; returns how many it gave.
 */
export function checkGeneratedEdits(
  editTo: (text: string, before: JsonObject, next: JsonObject) => string | undefined,
): number {
  let edited = 0;
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
        const result = editTo(text, before, next);
        if (result === undefined) return;
        edited++;
        expect(load(result) ?? {}).toEqual(next);
      },
    ),
    { numRuns: 1500 },
  );
  return edited;
}
