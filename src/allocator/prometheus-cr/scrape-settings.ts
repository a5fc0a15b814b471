import { MonitorError } from './monitor-error.js';
import { copyBoolean, copyInteger, copyString, type ConfigFields } from './http-client-settings.js';
import type { ScrapeClass } from './scrape-classes.js';
import type { SpecReader } from './spec-reader.js';

const ESCAPING_SCHEMES: Readonly<Record<string, string>> = {
  AllowUTF8: 'allow-utf-8',
  Underscores: 'underscores',
  Dots: 'dots',
  Values: 'values',
};

/**
 * Resource-level scrape settings every kind may set (each kind's CRD has a subset; absent fields
 * give nothing): `scrapeProtocols` (else `prometheus_cr.scrape_protocols`, the global setting
 * upstream's allocator fills into every generated job), `fallbackScrapeProtocol` (else the scrape
 * class's),
 * `bodySizeLimit`, the native histogram settings and the metric name validation and escaping
 * schemes, under the Prometheus 3 names the collector's embedded Prometheus reads.
 */
export function scrapeSettingsFields(
  spec: SpecReader,
  scrapeClass: ScrapeClass,
  defaultProtocols: readonly string[] = [],
): ConfigFields {
  const out: ConfigFields = {};
  const own = spec.stringList('scrapeProtocols') ?? [];
  const protocols = own.length > 0 ? own : defaultProtocols;
  if (protocols.length > 0) out.scrape_protocols = [...protocols];
  const fallback = spec.string('fallbackScrapeProtocol') || scrapeClass.fallbackScrapeProtocol;
  if (fallback !== undefined && fallback !== '') out.fallback_scrape_protocol = fallback;
  copyString(spec, 'bodySizeLimit', out, 'body_size_limit');
  copyInteger(spec, 'nativeHistogramBucketLimit', out, 'native_histogram_bucket_limit');
  const factor = spec.value.nativeHistogramMinBucketFactor;
  if (factor !== undefined && factor !== null) {
    const value = Number(factor);
    if (!Number.isFinite(value)) {
      throw new MonitorError(
        `${spec.child('nativeHistogramMinBucketFactor')} must be a plain number such as 1.1 (SI suffixes are not read)`,
      );
    }
    out.native_histogram_min_bucket_factor = value;
  }
  copyBoolean(spec, 'scrapeClassicHistograms', out, 'always_scrape_classic_histograms');
  copyBoolean(spec, 'convertClassicHistogramsToNHCB', out, 'convert_classic_histograms_to_nhcb');
  const validation = spec.string('nameValidationScheme');
  if (validation !== undefined) out.metric_name_validation_scheme = validation.toLowerCase();
  const escaping = spec.string('nameEscapingScheme');
  if (escaping !== undefined) {
    const mapped = ESCAPING_SCHEMES[escaping];
    if (mapped === undefined) {
      throw new MonitorError(
        `${spec.child('nameEscapingScheme')} must be one of ${Object.keys(ESCAPING_SCHEMES).join(', ')}`,
      );
    }
    out.metric_name_escaping_scheme = mapped;
  }
  return out;
}
