/**
 * The annotations otel-ta owns, all under one prefix. They are part of the public interface
 * (documented in the README); renaming one breaks users' manifests.
 */
export const ANNOTATION_PREFIX = 'otel-ta.dev/';

export const Annotations = {
  /** `"true"`: enable the allocator on this collector (for clusters where the upstream operator runs collectors). */
  enable: `${ANNOTATION_PREFIX}enable`,
  /** `"false"`: leave this collector untouched even if policy would enable the allocator. */
  inject: `${ANNOTATION_PREFIX}inject`,
  /** `http_sd` (default) or `target_allocator`: how the prometheus receiver is rewritten. */
  rewriteMode: `${ANNOTATION_PREFIX}rewrite-mode`,
  /**
   * How often the collectors poll the allocator for their targets (a Prometheus duration, 1s-5m;
   * default the webhook's collector_refresh_interval, 10s): written into the rewritten config.
   */
  refreshInterval: `${ANNOTATION_PREFIX}refresh-interval`,
  /** The original `scrape_configs` (canonical JSON), written by the webhook, read by the controller. */
  originalScrapeConfigs: `${ANNOTATION_PREFIX}original-scrape-configs`,
  /** sha256 of the stash, so a change of scrape jobs is visible at a glance and rolls the allocator. */
  originalScrapeConfigsHash: `${ANNOTATION_PREFIX}original-scrape-configs-hash`,
  /**
   * The v1alpha1 `config` text as last written through v1alpha1, kept by the conversion webhook on
   * the stored v1beta1 object so that reading the collector back as v1alpha1 returns the user's own
   * text (comments, quoting, key order) whenever the object config still equals it. Without it
   * every read re-serialises the string and `kubectl apply`/`kubectl diff` of a v1alpha1 manifest
   * always see drift. Never shown in the v1alpha1 view.
   */
  v1alpha1ConfigText: `${ANNOTATION_PREFIX}v1alpha1-config`,
} as const;

export type RewriteMode = 'http_sd' | 'target_allocator';
