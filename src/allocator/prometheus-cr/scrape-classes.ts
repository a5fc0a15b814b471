import { tlsConfigFields, type ConfigFields } from './http-client-settings.js';
import { MonitorError } from './monitor-error.js';
import type { NamespaceReferences } from './references.js';
import { userRelabelings, type RelabelRule } from './relabel-rules.js';
import { SpecReader, type Spec } from './spec-reader.js';

/**
 * A scrape class of `prometheus_cr.scrape_classes` (prometheus-operator's ScrapeClass, camelCase
 * keys): defaults a ServiceMonitor, PodMonitor, Probe or ScrapeConfig inherits, chosen by its
 * `spec.scrapeClass` or else the class marked `default: true`.
 */
export interface ScrapeClass {
  readonly name: string;
  /** Target relabelings, placed before the resource's own. */
  readonly relabelings: readonly RelabelRule[];
  /** Metric relabelings, placed before the resource's own. */
  readonly metricRelabelings: readonly RelabelRule[];
  readonly tlsConfig: SpecReader | undefined;
  readonly authorization: SpecReader | undefined;
  /** `attachMetadata.node`, for monitors that do not set their own. */
  readonly attachNode: boolean | undefined;
  /** `fallbackScrapeProtocol`, for resources that do not set their own. */
  readonly fallbackScrapeProtocol: string | undefined;
}

const NO_CLASS: ScrapeClass = {
  name: '',
  relabelings: [],
  metricRelabelings: [],
  tlsConfig: undefined,
  authorization: undefined,
  attachNode: undefined,
  fallbackScrapeProtocol: undefined,
};

/** The class a resource's spec names, else the default class, else none (nothing inherited). */
export function scrapeClassOf(spec: SpecReader, classes: readonly Spec[]): ScrapeClass {
  const name = spec.string('scrapeClass');
  const index =
    name === undefined || name === ''
      ? classes.findIndex((c) => c.default === true)
      : classes.findIndex((c) => c.name === name);
  const raw = classes[index];
  if (raw === undefined) {
    if (name === undefined || name === '') return NO_CLASS;
    const known = classes.map((c) => String(c.name)).join(', ') || 'none';
    throw new MonitorError(
      `${spec.child('scrapeClass')} "${name}" is not defined in prometheus_cr.scrape_classes (defined: ${known}); use one of those or add it`,
    );
  }
  const reader = SpecReader.of(raw, `prometheus_cr.scrape_classes[${index}]`);
  return {
    name: reader.string('name') ?? '',
    relabelings: userRelabelings(reader, 'relabelings'),
    metricRelabelings: userRelabelings(reader, 'metricRelabelings'),
    tlsConfig: reader.object('tlsConfig'),
    authorization: reader.object('authorization'),
    attachNode: reader.object('attachMetadata')?.boolean('node'),
    fallbackScrapeProtocol: reader.string('fallbackScrapeProtocol'),
  };
}

function isEmpty(reader: SpecReader | undefined): boolean {
  return reader === undefined || Object.keys(reader.value).length === 0;
}

/**
 * The resource's TLS config with the class's as default, as prometheus-operator merges them: no
 * TLS config of its own takes the class's whole; otherwise each of CA, certificate and key the
 * resource leaves unset (neither file nor reference) takes the class's file.
 */
export function mergeTlsConfig(
  own: SpecReader | undefined,
  scrapeClass: ScrapeClass,
): SpecReader | undefined {
  const fromClass = scrapeClass.tlsConfig;
  if (own === undefined || isEmpty(own)) return fromClass;
  if (fromClass === undefined) return own;
  const merged: Record<string, unknown> = { ...own.value };
  const fill = (file: string, refs: readonly string[]): void => {
    const set = [file, ...refs].some((k) => own.has(k) && own.value[k] !== '');
    const inherited = fromClass.string(file);
    if (!set && inherited !== undefined && inherited !== '') merged[file] = inherited;
  };
  fill('caFile', ['ca']);
  fill('certFile', ['cert']);
  fill('keyFile', ['keySecret']);
  return new SpecReader(merged, own.path);
}

/**
 * The resource's authorization with the class's as default: none of its own takes the class's;
 * otherwise missing credentials (and credentials file) come from the class.
 */
export function mergeAuthorization(
  own: SpecReader | undefined,
  scrapeClass: ScrapeClass,
): SpecReader | undefined {
  const fromClass = scrapeClass.authorization;
  if (own === undefined || isEmpty(own)) return fromClass;
  if (fromClass === undefined || own.has('credentials') || own.has('credentialsFile')) return own;
  const merged: Record<string, unknown> = { ...own.value };
  if (fromClass.has('credentials')) merged.credentials = fromClass.value.credentials;
  else if (fromClass.has('credentialsFile'))
    merged.credentialsFile = fromClass.value.credentialsFile;
  return new SpecReader(merged, own.path);
}

/** `tlsConfig` with the class's as default (mergeTlsConfig) as `tls_config`; nothing when neither sets one. */
export function tlsFields(
  spec: SpecReader,
  refs: NamespaceReferences,
  scrapeClass: ScrapeClass,
): ConfigFields {
  const tls = tlsConfigFields(mergeTlsConfig(spec.object('tlsConfig'), scrapeClass), refs);
  return tls === undefined ? {} : { tls_config: tls };
}

/** The class's metric relabelings, then the resource's own, as `metric_relabel_configs`; nothing when none. */
export function metricRelabelFields(spec: SpecReader, scrapeClass: ScrapeClass): ConfigFields {
  const rules = [...scrapeClass.metricRelabelings, ...userRelabelings(spec, 'metricRelabelings')];
  return rules.length === 0 ? {} : { metric_relabel_configs: rules };
}
