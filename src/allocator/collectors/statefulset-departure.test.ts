import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../k8s/api-error.js';
import { createLogger } from '../../observability/logger.js';
import type { Collector } from '../model.js';
import {
  statefulSetDepartureCheck,
  type StatefulSetReplicasReader,
} from './statefulset-departure.js';

/** The StatefulSet reader is injected: this is the decision; the rebalancing e2e reads the real API. */
function setup(read: StatefulSetReplicasReader): {
  check: (collector: Collector) => Promise<boolean>;
  reads: string[];
  warnings: () => string[];
} {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done): void {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const reads: string[] = [];
  const check = statefulSetDepartureCheck({
    readReplicas: (namespace, name) => {
      reads.push(`${namespace}/${name}`);
      return read(namespace, name);
    },
    logger: createLogger({ level: 'info', name: 'test' }, sink),
  });
  return {
    check,
    reads,
    warnings: () => lines.map((l) => String((JSON.parse(l) as { msg: string }).msg)),
  };
}

const pod = (id: string, statefulSet = 'collector'): Collector => ({
  id,
  nodeName: 'n',
  returnsWithSameId: true,
  statefulSet: { namespace: 'obs', name: statefulSet },
});

describe('statefulSetDepartureCheck', () => {
  it('a pod at or above the replicas read now is gone for good; one below returns', async () => {
    const { check, reads } = setup(() => Promise.resolve(3));
    expect(await check(pod('collector-3'))).toBe(true);
    expect(await check(pod('collector-1'))).toBe(false);
    expect(reads).toEqual(['obs/collector', 'obs/collector']);
  });

  it('a collector without a StatefulSet reads nothing and keeps today’s behaviour', async () => {
    const { check, reads } = setup(() => Promise.resolve(0));
    expect(await check({ id: 'c-9', nodeName: 'n' })).toBe(false);
    expect(reads).toEqual([]);
  });

  it('403, 404 and a timeout keep the grace, each logged once with what to check', async () => {
    const errors = [
      new KubeApiError(403, 'Forbidden', 'GET ...: 403 forbidden'),
      new KubeApiError(404, 'NotFound', 'GET ...: 404 not found'),
      new Error('The operation was aborted due to timeout'),
    ];
    let next = 0;
    const { check, warnings } = setup(() => Promise.reject(errors[next++ % errors.length]!));
    for (let i = 0; i < 6; i++) expect(await check(pod('collector-5'))).toBe(false);
    const logged = warnings();
    expect(logged).toHaveLength(3);
    expect(logged[0]).toContain('"get" on apps/statefulsets');
    expect(logged[1]).toContain(
      'StatefulSet obs/collector, the owner of collector pod collector-5, was not found',
    );
    expect(logged[2]).toContain('could not read StatefulSet obs/collector');
    for (const line of logged) expect(line).toContain('collector_departure_grace_period');
  });

  it('a pod name that is not <statefulset>-<ordinal> keeps the grace and says why, once', async () => {
    const { check, warnings } = setup(() => Promise.resolve(0));
    expect(await check(pod('renamed-3'))).toBe(false);
    expect(await check(pod('renamed-4'))).toBe(false);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('is not named collector-<ordinal>');
  });
});
