import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashedName, IdentityHasher } from './target-identity.js';

describe('IdentityHasher', () => {
  it('gives a label added with its name hashed beforehand the same identity as a plain add', () => {
    const labels = fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 8 });
    fc.assert(
      fc.property(fc.string(), labels, (job, pairs) => {
        const plain = new IdentityHasher();
        const named = new IdentityHasher();
        plain.begin(job);
        named.begin(job);
        for (const [name, value] of pairs) {
          plain.add(name, value);
          named.addNamed(hashedName(name), value);
        }
        expect(named.digest()).toBe(plain.digest());
      }),
    );
  });

  it('does not depend on the order labels are added in', () => {
    const hasher = new IdentityHasher();
    hasher.begin('job');
    hasher.add('a', '1');
    hasher.add('b', '2');
    const forward = hasher.digest();
    hasher.begin('job');
    hasher.add('b', '2');
    hasher.add('a', '1');
    expect(hasher.digest()).toBe(forward);
  });

  it('tells apart label sets that a separator-joined encoding would confuse', () => {
    const hasher = new IdentityHasher();
    hasher.begin('job');
    hasher.add('a', 'b;c=d');
    const joined = hasher.digest();
    hasher.begin('job');
    hasher.add('a', 'b');
    hasher.add('c', 'd');
    expect(hasher.digest()).not.toBe(joined);
  });
});
