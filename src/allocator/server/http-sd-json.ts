import type { AllocationView, Labels, Target } from '../model.js';
import { queryEscape } from './query-escape.js';

/**
 * Serializers for the upstream allocator's JSON shapes, labels in sorted order as Go's
 * labels.Labels marshals them.
 */

function sortedNames(labels: Labels): string[] {
  return Object.keys(labels).sort();
}

/** One http_sd group per target: `{"targets":["<__address__>"],"labels":{...}}`. */
export function targetGroupJson(target: Target): string {
  // `labels` is read once: it may be computed on access. The replacer lists (and so orders) the keys.
  const labels = target.labels;
  const sorted = JSON.stringify(labels, sortedNames(labels));
  return `{"targets":${JSON.stringify([target.address])},"labels":${sorted}}`;
}

/** The http_sd document for one collector: an array of groups (`[]` when none). */
export function targetListJson(targets: readonly Target[]): string {
  let out = '[';
  for (let i = 0; i < targets.length; i++) {
    if (i > 0) out += ',';
    out += targetGroupJson(targets[i] as Target);
  }
  return out + ']';
}

export function jobTargetsLink(job: string): string {
  return `/jobs/${queryEscape(job)}/targets`;
}

export function collectorTargetsLink(job: string, collectorId: string): string {
  return `${jobTargetsLink(job)}?collector_id=${queryEscape(collectorId)}`;
}

/** `GET /jobs`: every job with at least one target, linking to its targets. */
export function jobsJson(view: AllocationView): string {
  const parts = view
    .jobNames()
    .map((job) => `${JSON.stringify(job)}:{"_link":${JSON.stringify(jobTargetsLink(job))}}`);
  return `{${parts.join(',')}}`;
}

/** `GET /jobs/{job}/targets` without a collector: every collector with its link and targets. */
export function jobAllCollectorsJson(view: AllocationView, job: string): string {
  const parts = view.collectorIds().map((collectorId) => {
    const link = JSON.stringify(collectorTargetsLink(job, collectorId));
    const targets = targetListJson(view.targetsFor(job, collectorId));
    return `${JSON.stringify(collectorId)}:{"_link":${link},"targets":${targets}}`;
  });
  return `{${parts.join(',')}}`;
}
