import { describe, expect, it } from 'vitest';
import { manifestDifferences, type ManifestObject } from '../e2e/support/manifest-diff.js';

const labels = { expected: 'kustomize', actual: 'chart' } as const;

const deployment = (replicas: number, args: string[]): ManifestObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'otel-ta-webhook', namespace: 'otel-ta-system' },
  spec: { replicas, template: { spec: { containers: [{ name: 'controller', args }] } } },
});
const clusterRole = (name: string): ManifestObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name },
  rules: [],
});

describe('manifestDifferences', () => {
  it('finds nothing when the same objects come in another order', () => {
    const a = [deployment(2, ['controller']), clusterRole('otel-ta-controller')];
    expect(manifestDifferences(a, [...a].reverse(), labels)).toEqual([]);
  });

  it('names the object and the field of each difference, with both values', () => {
    expect(
      manifestDifferences(
        [deployment(2, ['controller', '--standalone'])],
        [deployment(3, ['controller'])],
        labels,
      ),
    ).toEqual([
      'Deployment otel-ta-system/otel-ta-webhook: spec.replicas: kustomize 2, chart 3',
      'Deployment otel-ta-system/otel-ta-webhook: spec.template.spec.containers[0].args[1]: kustomize "--standalone", chart (absent)',
    ]);
  });

  it('names an object that only one side renders', () => {
    expect(
      manifestDifferences(
        [clusterRole('otel-ta-controller'), clusterRole('otel-ta-secrets')],
        [clusterRole('otel-ta-controller')],
        labels,
      ),
    ).toEqual(['ClusterRole otel-ta-secrets: only in kustomize']);
  });
});
