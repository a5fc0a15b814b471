import { describe, expect, it } from 'vitest';
import type { Collector } from '../model.js';
import { StaticCollectorSource } from './static-collector-source.js';

describe('StaticCollectorSource', () => {
  it('reports the pool on start and again on update, sorted and deduplicated', async () => {
    const seen: string[][] = [];
    const source = new StaticCollectorSource(['c', 'a', 'b', 'a']);
    await source.start((collectors: readonly Collector[]) =>
      seen.push(collectors.map((c) => c.id)),
    );
    source.update(['d', 'a']);
    await source.stop();
    source.update(['x']);
    expect(seen).toEqual([
      ['a', 'b', 'c'],
      ['a', 'd'],
    ]);
  });
});
