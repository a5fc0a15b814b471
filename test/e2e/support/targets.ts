import type { Target } from '../../../src/allocator/model.js';

/** A target as the target builder makes it: labels are the pre-relabel set, `__address__` included. */
export function makeTarget(
  job: string,
  address: string,
  extra: Record<string, string> = {},
): Target {
  return {
    id: `${job}/${address}`,
    job,
    address,
    labels: { __address__: address, ...extra },
    nodeName: undefined,
  };
}
