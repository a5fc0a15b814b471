import { cachedJsonBody, type CachedBody } from './cached-body.js';
import { redactScrapeConfigs } from './redact-secrets.js';

/**
 * `GET /scrape_configs` bodies, serialized once per published config object (the service replaces
 * the object on every config change, so identity is the version).
 */
export class ScrapeConfigsBody {
  private source: Readonly<Record<string, unknown>> | undefined;
  private redacted: CachedBody | undefined;
  private real: CachedBody | undefined;

  constructor(private readonly current: () => Readonly<Record<string, unknown>>) {}

  get(withSecrets: boolean): CachedBody {
    const source = this.current();
    if (source !== this.source) {
      this.source = source;
      this.redacted = undefined;
      this.real = undefined;
    }
    if (withSecrets) {
      this.real ??= cachedJsonBody(JSON.stringify(source));
      return this.real;
    }
    this.redacted ??= cachedJsonBody(JSON.stringify(redactScrapeConfigs(source)));
    return this.redacted;
  }
}
