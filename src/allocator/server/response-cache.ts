import type { AllocationView, Target } from '../model.js';
import { cachedJsonBody, type CachedBody } from './cached-body.js';
import { jobAllCollectorsJson, jobsJson, targetListJson } from './http-sd-json.js';

/** The body every unknown job or collector gets; shared, never cached per key. */
export const EMPTY_TARGET_LIST: CachedBody = cachedJsonBody('[]');

/** How often the server ends a hot/cold period (`ResponseCache.cool`). */
export const HOT_PERIOD_MS = 10_000;

export interface ResponseCacheOptions {
  /** Most bytes of plain JSON kept for hot bodies (see `ResponseCache`). Default: no limit. */
  readonly maxBodyBytes?: number | undefined;
}

interface CollectorBody {
  /** The exact Target objects the body was built from, to recognise an unchanged list. */
  readonly targets: readonly Target[];
  readonly body: CachedBody;
}

interface JobEntry {
  readonly version: number;
  readonly byCollector: Map<string, CollectorBody>;
  /**
   * Bodies of the previous version not yet looked at since the change, reused where a collector's
   * target list did not change; each is dropped as soon as its collector is served again.
   */
  readonly previous: Map<string, CollectorBody>;
  allCollectors: CachedBody | undefined;
}

function sameTargets(a: readonly Target[], b: readonly Target[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Responses serialized once and served as Buffers until the allocation changes. A job's entries are
 * valid while `view.jobVersion(job)` is unchanged (it moves on any reassignment and any change of
 * the collector set); `/jobs` is valid while `view.version` is unchanged.
 *
 * A change of the collector pool bumps every job's version although most collectors keep exactly
 * the same targets; a body whose target list consists of the very same Target objects as before
 * (targets are immutable, discovery replaces them when labels change) is reused instead of being
 * serialized and compressed again. Empty results are not cached, so requests for made-up job or
 * collector names cannot grow memory.
 *
 * Memory follows demand. A body is serialized once per change and kept compact (gzip, ~1/29 of the
 * size: 100k targets of 30 labels make ~180 MB of plain JSON, ~6 MB compact); a plain request for it
 * costs an inflate (~15-60 µs for 37 KB) instead of a serialization (~200 µs). Collectors poll each
 * body every 30 s or so, which that serves at a fraction of a core. A body requested plain
 * `HOT_SERVES` times within one period (`cool`, every `HOT_PERIOD_MS`) keeps its plain bytes as
 * well, within `maxBodyBytes`, until a period in which it is requested less: a burst or a load test
 * gets plain bytes without an inflate each. Nothing is evicted: collectors poll every (job,
 * collector) pair in a cycle, which evicting the least recently used would turn into a miss on
 * every request.
 */
export class ResponseCache {
  private readonly jobEntries = new Map<string, JobEntry>();
  private jobsBody: { version: number; body: CachedBody } | undefined;
  private sweptAtVersion = -1;
  private readonly maxBodyBytes: number;
  private keptBytes = 0;
  /** Plain bytes of hot bodies (the part `maxBodyBytes` bounds). */
  private hotBytes = 0;
  private readonly keepPlain = (body: CachedBody): boolean => {
    if (this.hotBytes + body.plainLength > this.maxBodyBytes) return false;
    this.hotBytes += body.plainLength;
    this.keptBytes += body.plainLength;
    return true;
  };

  constructor(
    private readonly view: AllocationView,
    options: ResponseCacheOptions = {},
  ) {
    this.maxBodyBytes = options.maxBodyBytes ?? Number.POSITIVE_INFINITY;
  }

  /** `GET /jobs/{job}/targets?collector_id=...` */
  targetsFor(job: string, collectorId: string): CachedBody {
    const entry = this.currentEntry(job);
    const hit = entry?.byCollector.get(collectorId);
    if (hit !== undefined) return hit.body;
    const targets = this.view.targetsFor(job, collectorId);
    if (targets.length === 0) return EMPTY_TARGET_LIST;
    const created = entry ?? this.newEntry(job, undefined);
    const previous = created.previous.get(collectorId);
    if (previous !== undefined) {
      created.previous.delete(collectorId);
      if (sameTargets(previous.targets, targets)) {
        created.byCollector.set(collectorId, previous);
        return previous.body;
      }
      this.release(previous.body);
    }
    const body = this.retain(cachedJsonBody(targetListJson(targets)));
    created.byCollector.set(collectorId, { targets, body });
    return body;
  }

  /** `GET /jobs/{job}/targets` */
  allCollectorsFor(job: string): CachedBody {
    const entry = this.currentEntry(job);
    if (entry?.allCollectors !== undefined) return entry.allCollectors;
    const body = cachedJsonBody(jobAllCollectorsJson(this.view, job));
    if (this.view.targetCount(job) > 0) {
      (entry ?? this.newEntry(job, undefined)).allCollectors = this.retain(body);
    }
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

  /** Number of cached (job, collector) bodies of current versions; for tests. */
  size(): number {
    let n = 0;
    for (const entry of this.jobEntries.values()) n += entry.byCollector.size;
    return n;
  }

  /** Bytes of target bodies kept (plain and compact), previous versions awaiting reuse included. */
  bytes(): number {
    return this.keptBytes;
  }

  /** Plain bytes kept for hot bodies. */
  hotBodyBytes(): number {
    return this.hotBytes;
  }

  /** Ends a hot/cold period: bodies requested less than `HOT_SERVES` times in it let their plain bytes go. */
  cool(): void {
    for (const entry of this.jobEntries.values()) {
      for (const { body } of entry.byCollector.values()) this.coolBody(body);
      for (const { body } of entry.previous.values()) this.coolBody(body);
      if (entry.allCollectors !== undefined) this.coolBody(entry.allCollectors);
    }
  }

  private coolBody(body: CachedBody): void {
    const freed = body.cool();
    this.hotBytes -= freed;
    this.keptBytes -= freed;
  }

  /** Counts a body about to be kept, made compact. */
  private retain(body: CachedBody): CachedBody {
    body.makeCompact(this.keepPlain);
    this.keptBytes += body.residentBytes;
    return body;
  }

  private release(body: CachedBody | undefined): void {
    if (body === undefined) return;
    if (body.hot) this.hotBytes -= body.plainLength;
    this.keptBytes -= body.residentBytes;
  }

  private releaseAll(bodies: ReadonlyMap<string, CollectorBody>): void {
    for (const { body } of bodies.values()) this.release(body);
  }

  /** The job's entry if it is of the current version; a stale one becomes the `previous` of a new one. */
  private currentEntry(job: string): JobEntry | undefined {
    this.sweepIfChanged();
    const entry = this.jobEntries.get(job);
    if (entry === undefined) return undefined;
    if (entry.version === this.view.jobVersion(job)) return entry;
    // Bodies of two versions ago that nobody asked for again are of no further use.
    this.releaseAll(entry.previous);
    this.release(entry.allCollectors);
    return this.newEntry(job, entry.byCollector);
  }

  private newEntry(job: string, previous: Map<string, CollectorBody> | undefined): JobEntry {
    const created: JobEntry = {
      version: this.view.jobVersion(job),
      byCollector: new Map(),
      previous: previous ?? new Map<string, CollectorBody>(),
      allCollectors: undefined,
    };
    this.jobEntries.set(job, created);
    return created;
  }

  // Once per allocation change, drops the entries of jobs that are gone, so their bodies do not
  // linger until someone asks for that job again.
  private sweepIfChanged(): void {
    const version = this.view.version;
    if (version === this.sweptAtVersion) return;
    this.sweptAtVersion = version;
    for (const [job, entry] of this.jobEntries) {
      if (this.view.targetCount(job) > 0) continue;
      this.releaseAll(entry.byCollector);
      this.releaseAll(entry.previous);
      this.release(entry.allCollectors);
      this.jobEntries.delete(job);
    }
  }
}
