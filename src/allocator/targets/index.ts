export { TargetBuilder, buildJobTargets, buildTargets } from './build-targets.js';
export type { TargetBuildReport } from './build-targets.js';
export { scrapeJobSettingsFromConfig, INVALID_SCRAPE_CONFIG } from './scrape-job-settings.js';
export type { ScrapeJobSettings } from './scrape-job-settings.js';
export { IdentityHasher } from './target-identity.js';
export { targetNodeName } from './node-name.js';
export { formatDuration, parseDuration } from './prometheus-duration.js';
