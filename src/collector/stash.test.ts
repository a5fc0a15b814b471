import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Annotations } from './annotations.js';
import { canonicalJson } from './canonical-json.js';
import {
  encodeStash,
  readStash,
  removeStash,
  unescapeCollectorDollars,
  writeStash,
} from './stash.js';

const JOBS = [{ job_name: 'b', static_configs: [{ targets: ['x:1'] }], metrics_path: '/m' }];

describe('stash', () => {
  it('writes canonical JSON with sorted keys and its sha256', () => {
    const object: Record<string, unknown> = { metadata: {} };
    writeStash(object, JOBS);
    expect(object.metadata).toEqual({
      annotations: {
        [Annotations.originalScrapeConfigs]:
          '[{"job_name":"b","metrics_path":"/m","static_configs":[{"targets":["x:1"]}]}]',
        [Annotations.originalScrapeConfigsHash]: encodeStash(JOBS).hash,
      },
    });
    expect(encodeStash(JOBS).hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same bytes whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe(
      canonicalJson({ a: { c: 3, d: 2 }, b: 1 }),
    );
  });

  it('keeps the bytes (and so the hashes of stored stashes) of sorted copies through JSON.stringify', () => {
    // The earlier implementation, kept here as the reference the stored hashes were made with.
    const sortedCopy = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(sortedCopy);
      if (typeof value !== 'object' || value === null) return value;
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(value).sort()) {
        sorted[key] = sortedCopy((value as Record<string, unknown>)[key]);
      }
      return sorted;
    };
    const withIndexKeys = { b: 1, '10': 2, '2': 3, a: { '01': 1, '0': 2, z: [3, { y: 1, x: 2 }] } };
    expect(canonicalJson(withIndexKeys)).toBe(JSON.stringify(sortedCopy(withIndexKeys)));
    fc.assert(
      fc.property(
        fc.jsonValue().filter((value) => !JSON.stringify(value).includes('"__proto__"')),
        (value) => {
          expect(canonicalJson(value)).toBe(JSON.stringify(sortedCopy(value)));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('reads back what it wrote', () => {
    const object: Record<string, unknown> = {};
    writeStash(object, JOBS);
    expect(readStash(object)).toEqual({
      status: 'valid',
      scrapeConfigs: JOBS,
      hash: encodeStash(JOBS).hash,
    });
  });

  it('reports absent, unparsable and hash-mismatched stashes', () => {
    expect(readStash({ metadata: {} })).toEqual({ status: 'absent' });
    const broken = { metadata: { annotations: { [Annotations.originalScrapeConfigs]: '[{' } } };
    expect(readStash(broken).status).toBe('invalid');
    const edited: Record<string, unknown> = {};
    writeStash(edited, JOBS);
    const annotations = (edited.metadata as { annotations: Record<string, string> }).annotations;
    annotations[Annotations.originalScrapeConfigs] = '[]';
    const result = readStash(edited);
    expect(result.status === 'invalid' && result.message).toContain(
      'does not match its hash annotation',
    );
  });

  it('removes both annotations and an annotations map left empty', () => {
    const object: Record<string, unknown> = {};
    writeStash(object, JOBS);
    removeStash(object);
    expect(object).toEqual({ metadata: {} });
  });

  it('unescapes the collector’s $$ in every string for the allocator', () => {
    expect(
      unescapeCollectorDollars({
        replacement: '$$1',
        params: { q: ['a$$b'] },
        n: 3,
        path: '${env:X}',
      }),
    ).toEqual({ replacement: '$1', params: { q: ['a$b'] }, n: 3, path: '${env:X}' });
  });
});
