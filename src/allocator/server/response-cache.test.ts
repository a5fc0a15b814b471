import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeTarget } from '../../../test/e2e/support/targets.js';
import { Allocator } from '../allocator.js';
import type { Target } from '../model.js';
import { createStrategy } from '../strategies/registry.js';
import { cachedJsonBody, HOT_SERVES } from './cached-body.js';
import { targetListJson } from './http-sd-json.js';
import { EMPTY_TARGET_LIST, ResponseCache } from './response-cache.js';

function setup(): { view: Allocator; cache: ResponseCache; targets: Target[] } {
  const view = new Allocator({ strategy: createStrategy('consistent-hashing') });
  view.setCollectors([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
  const targets = Array.from({ length: 60 }, (_, i) => makeTarget('job', `10.0.0.${i}:80`));
  view.setJobTargets('job', targets);
  return { view, cache: new ResponseCache(view), targets };
}

describe('ResponseCache', () => {
  it('returns the same body until the targets of that collector change', () => {
    const { view, cache, targets } = setup();
    const first = cache.targetsFor('job', 'a');
    expect(cache.targetsFor('job', 'a')).toBe(first);
    const removedFromA = view.collectorOf('job', targets[0]!.id) === 'a';
    view.setJobTargets('job', targets.slice(1));
    expect(cache.targetsFor('job', 'a') === first).toBe(!removedFromA);
    // A discovery refresh with new labels replaces the Target objects: serialized again.
    const refreshed = targets
      .slice(1)
      .map((t) => ({ ...t, labels: { ...t.labels, refreshed: 'yes' } }));
    const beforeRefresh = cache.targetsFor('job', 'a');
    view.setJobTargets('job', refreshed);
    const afterRefresh = cache.targetsFor('job', 'a');
    expect(afterRefresh).not.toBe(beforeRefresh);
    expect(afterRefresh.plain().toString()).toContain('"refreshed":"yes"');
  });

  it('reuses a body whose target list survived a change of the collector pool', () => {
    const { view, cache } = setup();
    const before = new Map(['a', 'b', 'c'].map((id) => [id, cache.targetsFor('job', id)]));
    const listsBefore = new Map(['a', 'b', 'c'].map((id) => [id, view.targetsFor('job', id)]));
    view.setCollectors([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }]);
    for (const id of ['a', 'b', 'c']) {
      const unchanged =
        JSON.stringify(listsBefore.get(id)!.map((t) => t.id)) ===
        JSON.stringify(view.targetsFor('job', id).map((t) => t.id));
      expect(cache.targetsFor('job', id) === before.get(id)).toBe(unchanged);
    }
    expect(cache.targetsFor('job', 'd')).not.toBe(EMPTY_TARGET_LIST);
  });

  it('serves the empty list for unknown jobs and collectors without caching them', () => {
    const { cache } = setup();
    const size = cache.size();
    expect(cache.targetsFor('nope', 'a')).toBe(EMPTY_TARGET_LIST);
    expect(cache.targetsFor('job', 'nobody')).toBe(EMPTY_TARGET_LIST);
    expect(cache.size()).toBe(size);
  });

  it('forgets a removed job', () => {
    const { view, cache } = setup();
    cache.targetsFor('job', 'a');
    expect(cache.size()).toBe(1);
    view.setJobTargets('job', []);
    expect(cache.targetsFor('job', 'a')).toBe(EMPTY_TARGET_LIST);
    expect(cache.size()).toBe(0);
  });

  it('counts exactly the bytes of the bodies it keeps, through pool changes, refreshes and removal', () => {
    const { view, cache, targets } = setup();
    const ids = ['a', 'b', 'c', 'd'];
    const served = (): number => {
      let total = 0;
      for (const id of ids) {
        const body = cache.targetsFor('job', id);
        // The shared empty body (no targets on that collector yet) is not kept per key.
        if (body !== EMPTY_TARGET_LIST) total += body.residentBytes;
      }
      return total;
    };
    expect(cache.bytes()).toBe(0);
    expect(served()).toBe(cache.bytes());
    view.setCollectors(ids.map((id) => ({ id })));
    expect(served()).toBe(cache.bytes());
    view.setJobTargets('job', targets.slice(5));
    view.setCollectors([{ id: 'a' }, { id: 'b' }]);
    view.setCollectors(ids.map((id) => ({ id })));
    expect(served()).toBe(cache.bytes());
    view.setJobTargets('job', []);
    cache.targetsFor('job', 'a');
    expect(cache.bytes()).toBe(0);
  });

  it('keeps bodies compact, serving the same bytes as a plain body would', () => {
    const { view, cache } = setup();
    for (const id of ['a', 'b', 'c']) {
      const body = cache.targetsFor('job', id);
      const reference = cachedJsonBody(targetListJson(view.targetsFor('job', id)));
      expect(body.compact).toBe(true);
      expect(body.residentBytes).toBeLessThan(reference.plainLength / 2);
      expect(body.plain().equals(reference.plain())).toBe(true);
      expect(body.etag).toBe(reference.etag);
      expect(gunzipSync(body.gzip()).equals(reference.plain())).toBe(true);
    }
  });

  it(`keeps the plain bytes of a body served ${HOT_SERVES} times in a period, until a period with fewer requests`, () => {
    const { cache } = setup();
    const body = cache.targetsFor('job', 'a');
    const compactBytes = cache.bytes();
    for (let i = 1; i < HOT_SERVES; i++) body.plain();
    expect(body.hot).toBe(false);
    body.plain();
    expect(body.hot).toBe(true);
    expect(cache.hotBodyBytes()).toBe(body.plainLength);
    expect(cache.bytes()).toBe(compactBytes + body.plainLength);
    for (let i = 0; i < HOT_SERVES; i++) body.plain();
    cache.cool();
    expect(body.hot).toBe(true);
    body.plain();
    cache.cool();
    expect(body.hot).toBe(false);
    expect(cache.hotBodyBytes()).toBe(0);
    expect(cache.bytes()).toBe(compactBytes);
    // A period boundary resets the count: two requests before it and one after do not make it hot.
    body.plain();
    body.plain();
    cache.cool();
    body.plain();
    expect(body.hot).toBe(false);
  });

  it('keeps plain bytes for hot bodies only within the byte budget', () => {
    const { view } = setup();
    const sizes = ['a', 'b'].map((id) => new ResponseCache(view).targetsFor('job', id).plainLength);
    const cache = new ResponseCache(view, { maxBodyBytes: sizes[0]! + sizes[1]! });
    const bodies = ['a', 'b', 'c'].map((id) => cache.targetsFor('job', id));
    for (const body of bodies) for (let i = 0; i < HOT_SERVES; i++) body.plain();
    expect(bodies.map((b) => b.hot)).toEqual([true, true, false]);
    expect(cache.hotBodyBytes()).toBe(sizes[0]! + sizes[1]!);
    view.setJobTargets('job', []);
    cache.targetsFor('job', 'a');
    expect(cache.hotBodyBytes()).toBe(0);
    expect(cache.bytes()).toBe(0);
  });
});
