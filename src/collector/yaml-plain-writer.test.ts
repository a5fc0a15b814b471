import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serialise } from './config-document.js';
import type { YamlLayout } from './yaml-format.js';
import { writePlainEntry } from './yaml-plain-writer.js';

const FLUSH: YamlLayout = { indent: 2, indentSeq: false, flowCollectionPadding: false };
const INDENTED: YamlLayout = { ...FLUSH, indentSeq: true };

describe('writePlainEntry', () => {
  it('writes the entries the rewrite adds as the yaml package does', () => {
    const httpSd = [
      { url: 'http://c-targetallocator.ns.svc:80/jobs/a%2Fb/targets?collector_id=${env:POD_NAME}' },
    ];
    expect(writePlainEntry('http_sd_configs', httpSd, FLUSH)).toBe(
      `http_sd_configs:\n- url: ${httpSd[0]!.url}\n`,
    );
    const allocator = {
      endpoint: 'http://c-targetallocator.ns.svc:80',
      interval: '30s',
      collector_id: '${env:POD_NAME}',
    };
    for (const layout of [FLUSH, INDENTED]) {
      expect(writePlainEntry('http_sd_configs', httpSd, layout)).toBe(
        serialise({ http_sd_configs: httpSd }, layout),
      );
      expect(writePlainEntry('target_allocator', allocator, layout)).toBe(
        serialise({ target_allocator: allocator }, layout),
      );
    }
  });

  it('leaves to the yaml package what needs a quoting decision or another layout', () => {
    for (const value of ['10', 'true', 'a b', 'x:', '', "it's", 1.5, 'Yes']) {
      expect(writePlainEntry('k', value, FLUSH)).toBeUndefined();
    }
    expect(writePlainEntry('k', 'v', { ...FLUSH, indent: 4 })).toBeUndefined();
    expect(writePlainEntry('k', [['nested']], FLUSH)).toBeUndefined();
  });
});

const stringArb = fc.oneof(
  fc.constantFrom(
    'v',
    '30s',
    '${env:POD_NAME}',
    'http://h:80/p?q=1&r=%2F',
    '/metrics',
    'a-b_c.d',
    'null',
    'No',
    'x:',
    'a: b',
    'a #b',
    '10',
    '0x1F',
    '.5',
    '-a',
    '$$1',
    'é',
  ),
  fc.string({ maxLength: 6 }),
);
const scalarArb = fc.oneof(stringArb, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalarArb, tie('map'), tie('list')),
  map: fc.dictionary(stringArb, tie('value'), { maxKeys: 3 }),
  list: fc.array(fc.oneof(scalarArb, tie('map')), { maxLength: 3 }),
})).value;

describe('writePlainEntry over generated values', () => {
  it('writes either nothing or exactly what the yaml package writes', () => {
    fc.assert(
      fc.property(stringArb, valueArb, fc.boolean(), (key, value, indentSeq) => {
        const layout = indentSeq ? INDENTED : FLUSH;
        const written = writePlainEntry(key, value, layout);
        if (written !== undefined) expect(written).toBe(serialise({ [key]: value }, layout));
      }),
      { numRuns: 3000 },
    );
  });
});
