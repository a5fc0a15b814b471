import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Labels, Target } from '../model.js';
import { targetGroupJson, targetListJson } from './http-sd-json.js';

function target(labels: Labels): Target {
  return { id: 'id', job: 'job', address: labels.__address__ ?? '', labels, nodeName: undefined };
}

// What the upstream allocator serves, built the slow obvious way: labels sorted by name, every
// string through JSON.stringify (pieces joined by hand: an object would put integer-like keys first).
function reference(t: Target): string {
  const labels = Object.entries(t.labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`);
  return `{"targets":[${JSON.stringify(t.address)}],"labels":{${labels.join(',')}}}`;
}

// Strings of every awkward kind: quotes, backslashes, control characters, non-ASCII, lone surrogates.
const awkwardString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '"', '\\', '\n', '\u0000', '\u007f', '\u2028', '\ud800', 'a\udc00b', '😀'),
);

describe('http_sd serialization', () => {
  it('writes a target group exactly as JSON.stringify of its sorted labels does', () => {
    fc.assert(
      fc.property(fc.dictionary(awkwardString, awkwardString), awkwardString, (labels, address) => {
        const t = target({ ...labels, __address__: address });
        expect(targetGroupJson(t)).toBe(reference(t));
      }),
      { numRuns: 500 },
    );
  });

  it('sorts labels that were built out of order', () => {
    const t = target({ zone: 'b', __address__: '10.0.0.1:80', app: 'a' });
    expect(targetGroupJson(t)).toBe(
      '{"targets":["10.0.0.1:80"],"labels":{"__address__":"10.0.0.1:80","app":"a","zone":"b"}}',
    );
  });

  it('writes a list of groups as a JSON array, and [] when empty', () => {
    const a = target({ __address__: 'a:1' });
    const b = target({ __address__: 'b:2', x: 'y"z' });
    expect(JSON.parse(targetListJson([a, b]))).toEqual([
      JSON.parse(reference(a)),
      JSON.parse(reference(b)),
    ]);
    expect(targetListJson([])).toBe('[]');
  });
});
