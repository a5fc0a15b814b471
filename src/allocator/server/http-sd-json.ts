import type { AllocationView, Labels, Target } from '../model.js';
import { queryEscape } from './query-escape.js';

/**
 * Serializers for the upstream allocator's JSON shapes. They build strings directly (labels in
 * sorted order, as Go's labels.Labels marshals them) because these run once per (job, collector,
 * version) over up to hundreds of thousands of targets.
 */

function sortedNames(labels: Labels): string[] {
  const names = Object.keys(labels);
  // The target pipeline usually builds label sets in sorted order; sort only when it did not.
  for (let i = 1; i < names.length; i++) {
    if ((names[i - 1] as string) > (names[i] as string)) return names.sort();
  }
  return names;
}

// Strings JSON.stringify would copy verbatim between quotes: no quote, backslash, control
// character or (possibly lone) surrogate. Label values almost always are; quoting them by hand
// halves the serialization time of a body.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const VERBATIM = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

function jsonString(value: string): string {
  return VERBATIM.test(value) ? '"' + value + '"' : JSON.stringify(value);
}

// `"name":` per label name. Names come from a small vocabulary (discovery's meta labels and the
// pods' own label keys), so this stays small; capped in case a source invents names freely.
const NAME_KEYS_MAX = 10_000;
const nameKeys = new Map<string, string>();

function nameKey(name: string): string {
  let key = nameKeys.get(name);
  if (key === undefined) {
    key = JSON.stringify(name) + ':';
    if (nameKeys.size >= NAME_KEYS_MAX) nameKeys.clear();
    nameKeys.set(name, key);
  }
  return key;
}

function labelsJson(labels: Labels): string {
  const names = sortedNames(labels);
  let out = '{';
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (i > 0) out += ',';
    out += nameKey(name) + jsonString(labels[name] as string);
  }
  return out + '}';
}

/** One http_sd group per target: `{"targets":["<__address__>"],"labels":{...}}`. */
export function targetGroupJson(target: Target): string {
  // `labels` is read once: it may be computed on access.
  const labels = target.labels;
  return `{"targets":[${jsonString(target.address)}],"labels":${labelsJson(labels)}}`;
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
