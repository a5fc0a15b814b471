import type { AllocationView } from '../model.js';
import { cachedJsonBody, type CachedBody } from './cached-body.js';
import { jobAllCollectorsJson, jobsJson, targetListJson } from './http-sd-json.js';

/** The body every unknown job or collector gets; shared, never cached per key. */
export const EMPTY_TARGET_LIST: CachedBody = cachedJsonBody('[]');

interface JobEntry {
  readonly version: number;
  readonly byCollector: Map<string, CachedBody>;
  allCollectors: CachedBody | undefined;
}

/**
 * Responses serialized once and served as Buffers until the allocation changes. A job's entries are
 * valid while `view.jobVersion(job)` is unchanged (it moves on any reassignment and any change of
 * the collector set); `/jobs` is valid while `view.version` is unchanged. Empty results are not
 * cached, so requests for made-up job or collector names cannot grow memory.
 */
export class ResponseCache {
  private readonly jobEntries = new Map<string, JobEntry>();
  private jobsBody: { version: number; body: CachedBody } | undefined;
  private sweptAtVersion = -1;

  constructor(private readonly view: AllocationView) {}

  /** `GET /jobs/{job}/targets?collector_id=...` */
  targetsFor(job: string, collectorId: string): CachedBody {
    const entry = this.validEntry(job);
    const hit = entry?.byCollector.get(collectorId);
    if (hit !== undefined) return hit;
    const targets = this.view.targetsFor(job, collectorId);
    if (targets.length === 0) return EMPTY_TARGET_LIST;
    const body = cachedJsonBody(targetListJson(targets));
    this.entryFor(job, entry).byCollector.set(collectorId, body);
    return body;
  }

  /** `GET /jobs/{job}/targets` */
  allCollectorsFor(job: string): CachedBody {
    const entry = this.validEntry(job);
    if (entry?.allCollectors !== undefined) return entry.allCollectors;
    const body = cachedJsonBody(jobAllCollectorsJson(this.view, job));
    if (this.view.targetCount(job) > 0) this.entryFor(job, entry).allCollectors = body;
    return body;
  }

  /** `GET /jobs` */
  jobs(): CachedBody {
    const version = this.view.version;
    if (this.jobsBody?.version !== version) {
      this.jobsBody = { version, body: cachedJsonBody(jobsJson(this.view)) };
    }
    return this.jobsBody.body;
  }

  /** Number of cached (job, collector) bodies; for tests and the human page. */
  size(): number {
    let n = 0;
    for (const entry of this.jobEntries.values()) n += entry.byCollector.size;
    return n;
  }

  private validEntry(job: string): JobEntry | undefined {
    this.sweepIfChanged();
    const entry = this.jobEntries.get(job);
    if (entry === undefined) return undefined;
    if (entry.version === this.view.jobVersion(job)) return entry;
    this.jobEntries.delete(job);
    return undefined;
  }

  private entryFor(job: string, existing: JobEntry | undefined): JobEntry {
    if (existing !== undefined) return existing;
    const created: JobEntry = {
      version: this.view.jobVersion(job),
      byCollector: new Map(),
      allCollectors: undefined,
    };
    this.jobEntries.set(job, created);
    return created;
  }

  // Drops entries of jobs that changed or vanished, once per allocation change, so a removed job's
  // bodies do not linger until someone asks for it again.
  private sweepIfChanged(): void {
    const version = this.view.version;
    if (version === this.sweptAtVersion) return;
    this.sweptAtVersion = version;
    for (const [job, entry] of this.jobEntries) {
      if (entry.version !== this.view.jobVersion(job) || this.view.targetCount(job) === 0) {
        this.jobEntries.delete(job);
      }
    }
  }
}
