import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePolicy } from './parse-policy.js';

describe('parsePolicy', () => {
  it('reads a complete policy with its defaults', () => {
    const policy = parsePolicy(
      parse(`
exemptNamespaces: [kube-system]
rules:
- name: prod
  match: {namespaces: [prod]}
  outOfOrder: enforce
  allowedStrategies: [per-node]
- match: {namespaceRegex: "team-.*"}
`),
    );
    expect(policy.exemptNamespaces).toEqual(['kube-system']);
    expect(policy.rules[0]).toMatchObject({
      name: 'prod',
      outOfOrder: 'enforce',
      constraintAction: 'deny',
    });
    expect(policy.rules[1]).toMatchObject({
      name: 'rules[1]',
      outOfOrder: 'warn',
      allowedStrategies: [],
    });
    expect(policy.rules[1]!.match.namespaceRegex?.test('team-a')).toBe(true);
    expect(policy.rules[1]!.match.namespaceRegex?.test('xteam-a')).toBe(false);
  });

  it('treats an empty document as the empty policy', () => {
    expect(parsePolicy(null)).toEqual({ exemptNamespaces: [], rules: [] });
  });

  it('lists every problem with its path in one error', () => {
    const attempt = () =>
      parsePolicy(
        parse(`
exemptNamespace: [typo]
rules:
- outOfOrder: deny
  maxAllocatorReplicas: 0
  match: {namespaceRegex: "(unclosed", objectSelector: {matchExpressions: [{key: a, operator: In}]}}
`),
      );
    expect(attempt).toThrow(/\$\.exemptNamespace: unknown key/);
    expect(attempt).toThrow(
      /rules\[0\]\.outOfOrder: must be one of mutate, warn, enforce, ignore; got "deny"/,
    );
    expect(attempt).toThrow(/rules\[0\]\.maxAllocatorReplicas: must be a whole number/);
    expect(attempt).toThrow(/rules\[0\]\.match\.namespaceRegex: is not a valid RE2/);
    expect(attempt).toThrow(/matchExpressions\[0\]\.values: must not be empty with operator In/);
  });

  it('refuses an allowed strategy the allocator does not know, which would deny every collector', () => {
    expect(() =>
      parsePolicy(parse('rules: [{allowedStrategies: [consistent_hashing, per-node]}]')),
    ).toThrow(
      'rules[0].allowedStrategies[0]: must be one of consistent-hashing, least-weighted, per-node; got "consistent_hashing"',
    );
  });

  it('rejects a document that is not a map', () => {
    expect(() => parsePolicy(['a'])).toThrow(/must be a map/);
  });

  it('refuses backtracking constructs that RE2 cannot run in linear time', () => {
    expect(() => parsePolicy({ rules: [{ match: { namespaceRegex: '(a)\\1' } }] })).toThrow(/RE2/);
  });
});
