import { OtelTaError } from '../errors.js';
import { Annotations } from './annotations.js';
import { parseConfig, serialise } from './config-document.js';
import { cloneJson, getPath, isRecord, jsonEqual, type JsonObject } from './json-value.js';
import { API_VERSIONS, isCollectorObject, isServedApiVersion } from './model.js';

/** prometheusCR selectors: plain label maps in v1alpha1, LabelSelectors in v1beta1. */
const SELECTORS = [
  'serviceMonitorSelector',
  'podMonitorSelector',
  'scrapeConfigSelector',
  'probeSelector',
] as const;

/**
 * Converts an OpenTelemetryCollector between `opentelemetry.io/v1alpha1` and `/v1beta1` for the
 * CRD's conversion webhook. `spec.config` goes YAML string <-> object; prometheusCR selectors go
 * plain map <-> `{matchLabels}`; every other field is copied untouched. A round trip keeps all
 * values. v1beta1 stores an object, so the formatting of a v1alpha1 config string (comments,
 * quoting, key order) is kept beside it in an annotation and returned as long as the object still
 * equals it; a config changed through v1beta1 is serialised afresh. Throws a coded OtelTaError on
 * input it cannot convert.
 */
export function convertCollector(
  object: unknown,
  desiredApiVersion: string,
): Record<string, unknown> {
  if (!isCollectorObject(object) || !isServedApiVersion(object.apiVersion)) {
    throw conversionError(
      'COLLECTOR_CONVERSION_UNSUPPORTED',
      `cannot convert ${describeObject(object)}: only opentelemetry.io/v1alpha1 and v1beta1 OpenTelemetryCollector objects are served`,
    );
  }
  if (!isServedApiVersion(desiredApiVersion)) {
    throw conversionError(
      'COLLECTOR_CONVERSION_UNSUPPORTED',
      `cannot convert to ${desiredApiVersion}: the served versions are ${API_VERSIONS.v1alpha1} and ${API_VERSIONS.v1beta1}`,
    );
  }
  const result = cloneJson(object);
  if (object.apiVersion === desiredApiVersion) return result;
  result.apiVersion = desiredApiVersion;
  if (!isRecord(result.spec)) return result;
  if (desiredApiVersion === API_VERSIONS.v1beta1) {
    const text = result.spec.config;
    toV1beta1(result.spec);
    // Our own serialisation needs no keeping: it is what the v1alpha1 view would produce anyway,
    // so v1beta1 -> v1alpha1 -> v1beta1 stays exact.
    const keep =
      typeof text === 'string' && isRecord(result.spec.config) && !isOwnSerialisation(text);
    setConfigText(result, keep ? text : undefined);
  } else {
    const text = getPath(result, ['metadata', 'annotations', Annotations.v1alpha1ConfigText]);
    const config = result.spec.config;
    const kept =
      typeof text === 'string' && isRecord(config) && sameConfig(text, config) ? text : undefined;
    toV1alpha1(result.spec, kept);
    setConfigText(result, undefined);
  }
  return result;
}

/**
 * Whether a config text is exactly what this project writes for its value. A pure function of
 * the text, and the API server converts the same object on every read and write, so recent
 * answers are kept (serialising a large config costs milliseconds).
 */
function isOwnSerialisation(text: string): boolean {
  let own = ownSerialisations.get(text);
  if (own === undefined) {
    own = text === serialise(parseConfig({ kind: 'string', text }).value ?? {});
    if (text.length > MAX_KEPT_CONFIG_JSON) return own;
    ownSerialisations.set(text, own);
    if (ownSerialisations.size > OWN_SERIALISATIONS_KEPT) {
      ownSerialisations.delete(ownSerialisations.keys().next().value as string);
    }
  }
  return own;
}

const OWN_SERIALISATIONS_KEPT = 32;
const ownSerialisations = new Map<string, boolean>();

/**
 * `serialise`, remembering recent configs by their JSON (which also fixes key order, and so the
 * output): a v1beta1 object read as v1alpha1 is converted on every read. Large configs are not kept.
 */
function serialiseKept(config: JsonObject): string {
  const json = JSON.stringify(config);
  if (json.length > MAX_KEPT_CONFIG_JSON) return serialise(config);
  let text = serialisations.get(json);
  if (text === undefined) {
    text = serialise(config);
    serialisations.set(json, text);
    if (serialisations.size > OWN_SERIALISATIONS_KEPT) {
      serialisations.delete(serialisations.keys().next().value as string);
    }
  }
  return text;
}

const MAX_KEPT_CONFIG_JSON = 256 * 1024;
const serialisations = new Map<string, string>();

/** The kept text still describes the config: equal values (key order aside). */
function sameConfig(text: string, config: JsonObject): boolean {
  try {
    return jsonEqual(parseConfig({ kind: 'string', text }).value ?? {}, config);
  } catch {
    return false;
  }
}

/** Sets (or, with undefined, removes) the kept v1alpha1 config text annotation. */
function setConfigText(object: JsonObject, text: string | undefined): void {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  if (text === undefined) delete annotations[Annotations.v1alpha1ConfigText];
  else annotations[Annotations.v1alpha1ConfigText] = text;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  if (Object.keys(metadata).length > 0 || isRecord(object.metadata)) object.metadata = metadata;
}

function toV1beta1(spec: JsonObject): void {
  const config = spec.config;
  if (typeof config === 'string') {
    spec.config = cloneJson(parseConfig({ kind: 'string', text: config }).value ?? {});
  } else if (config !== undefined && config !== null) {
    throw conversionError(
      'COLLECTOR_CONVERSION_FAILED',
      'spec.config of a v1alpha1 collector must be a YAML string; write the config as a block scalar (config: |)',
    );
  }
  forEachSelector(spec, (selector) =>
    Object.keys(selector).length === 0 ? {} : { matchLabels: selector },
  );
}

/** `keptText`: the v1alpha1 text known to hold this config, written instead of a new serialisation. */
function toV1alpha1(spec: JsonObject, keptText: string | undefined): void {
  const config = spec.config;
  if (isRecord(config)) {
    spec.config = keptText ?? serialiseKept(config);
  } else if (config !== undefined && config !== null) {
    throw conversionError(
      'COLLECTOR_CONVERSION_FAILED',
      'spec.config of a v1beta1 collector must be an object',
    );
  }
  forEachSelector(spec, (selector, path) => {
    const unknownKeys = Object.keys(selector).filter(
      (key) => key !== 'matchLabels' && key !== 'matchExpressions',
    );
    const expressions = selector.matchExpressions;
    if (unknownKeys.length > 0 || (Array.isArray(expressions) && expressions.length > 0)) {
      throw conversionError(
        'COLLECTOR_CONVERSION_LOSSY',
        `${path} uses ${unknownKeys.length > 0 ? unknownKeys.join(', ') : 'matchExpressions'}, which v1alpha1 (plain label maps) cannot represent; read this collector as ${API_VERSIONS.v1beta1} or select with matchLabels only`,
      );
    }
    return isRecord(selector.matchLabels) ? selector.matchLabels : {};
  });
}

function forEachSelector(
  spec: JsonObject,
  convert: (selector: JsonObject, path: string) => JsonObject,
): void {
  const prometheusCR = getPath(spec, ['targetAllocator', 'prometheusCR']);
  if (!isRecord(prometheusCR)) return;
  for (const key of SELECTORS) {
    const selector = prometheusCR[key];
    if (isRecord(selector)) {
      prometheusCR[key] = convert(selector, `spec.targetAllocator.prometheusCR.${key}`);
    }
  }
}

function describeObject(object: unknown): string {
  if (!isRecord(object)) return 'a value that is not an object';
  return `${String(object.apiVersion)} ${String(object.kind)}`;
}

function conversionError(code: string, message: string): OtelTaError {
  return new OtelTaError(code, message);
}
