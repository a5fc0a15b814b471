import jsonPatch, { type Operation } from 'fast-json-patch';
import { parseAllDocuments, stringify, type Document } from 'yaml';
import { isCollectorObject } from '../collector/model.js';
import { detectYamlLayout } from '../collector/yaml-format.js';
import { OtelTaError, UsageError } from '../errors.js';
import {
  mutateAdmission,
  validateAdmission,
  type AdmissionSettings,
} from './collector-admission.js';
import { applyPatchToYamlDocument } from './yaml-patch.js';

export const RENDER_OUTPUTS = ['yaml', 'json', 'patch'] as const;
export type RenderOutput = (typeof RENDER_OUTPUTS)[number];

export interface RenderOptions extends AdmissionSettings {
  readonly output: RenderOutput;
  /** For objects without metadata.namespace, as `kubectl apply -n` would put them. */
  readonly namespace: string;
  /** Names the input in messages (a path or `-`). */
  readonly source: string;
}

export interface RenderedCollector {
  /** 1-based position of the document in the input. */
  readonly document: number;
  readonly apiVersion: string;
  readonly name: string;
  readonly namespace: string;
  readonly patch: readonly Operation[];
  readonly warnings: readonly string[];
}

export interface RenderResult {
  readonly text: string;
  /** Warnings the API server would show, prefixed with the object they concern. */
  readonly warnings: readonly string[];
}

type Json = Record<string, unknown>;

function metadataString(object: Json, key: string): string | undefined {
  const metadata = object.metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const value = (metadata as Json)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function parseDocuments(text: string, source: string): Document[] {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return [];
  for (const [index, document] of documents.entries()) {
    const error = document.errors[0];
    if (error !== undefined) {
      throw new UsageError(
        'RENDER_INPUT_INVALID',
        `${source}: document ${index + 1} is not valid YAML: ${error.message}`,
      );
    }
  }
  // An empty document (a trailing `---`, comments only) has no object to render.
  return documents.filter((document) => document.contents !== null);
}

interface Admitted {
  readonly object: unknown;
  readonly collector: RenderedCollector | undefined;
}

/** The webhook's two stages in the API server's order: mutation, then validation of the result. */
function admit(object: unknown, index: number, options: RenderOptions): Admitted {
  if (!isCollectorObject(object)) return { object, collector: undefined };
  const name = metadataString(object, 'name') ?? '';
  const namespace = metadataString(object, 'namespace') ?? options.namespace;
  const where = `document ${index + 1} (${namespace}/${name})`;
  const input = { object, operation: 'CREATE', namespace, name };
  const mutation = mutateAdmission(input, options);
  if (!mutation.allowed) {
    throw new OtelTaError(
      'RENDER_DENIED',
      `${where} would be denied by the mutating webhook: ${mutation.status?.message ?? ''}`,
    );
  }
  const mutated = jsonPatch.applyPatch(
    structuredClone(object),
    [...mutation.patch],
    true,
    false,
  ).newDocument;
  const validation = validateAdmission({ ...input, object: mutated }, options);
  if (!validation.allowed) {
    throw new OtelTaError(
      'RENDER_DENIED',
      `${where} would be denied by the validating webhook: ${validation.status?.message ?? ''}`,
    );
  }
  return {
    object: mutated,
    collector: {
      document: index + 1,
      apiVersion: String(object.apiVersion),
      name,
      namespace,
      patch: mutation.patch,
      warnings: [...mutation.warnings, ...validation.warnings],
    },
  };
}

interface AdmittedDocument {
  readonly object: unknown;
  readonly collectors: RenderedCollector[];
  /** The document's patch: a List's item patches are under `/items/<index>`. */
  readonly patch: Operation[];
}

/** `kind: List` (or `<Kind>List`) with items, as `kubectl get -o yaml` writes: kubectl applies each item. */
function isList(object: unknown): object is Json & { items: unknown[] } {
  if (typeof object !== 'object' || object === null) return false;
  const { kind, items } = object as Json;
  return typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items);
}

function admitDocument(object: unknown, index: number, options: RenderOptions): AdmittedDocument {
  if (!isList(object)) {
    const { object: admitted, collector } = admit(object, index, options);
    return {
      object: admitted,
      collectors: collector === undefined ? [] : [collector],
      patch: collector === undefined ? [] : [...collector.patch],
    };
  }
  const items = object.items.map((item) => admit(item, index, options));
  return {
    object: { ...object, items: items.map((item) => item.object) },
    collectors: items.flatMap(({ collector }) => (collector === undefined ? [] : [collector])),
    patch: items.flatMap(({ collector }, item) =>
      (collector?.patch ?? []).map((operation) => ({
        ...operation,
        path: `/items/${item}${operation.path}`,
      })),
    ),
  };
}

/**
 * `otel-ta render`: what the webhook would do to each document of a manifest, offline. Collectors
 * go through the same mutation and validation as admission requests (CREATE); every other
 * document passes through unchanged. A denial throws an `OtelTaError` (exit 1) with the webhook's
 * message; input that is not YAML throws a `UsageError` (exit 2).
 */
export function renderManifests(text: string, options: RenderOptions): RenderResult {
  const documents = parseDocuments(text, options.source);
  const admitted = documents.map((document, index) =>
    admitDocument(document.toJS() as unknown, index, options),
  );
  const collectors = admitted.flatMap((document) => document.collectors);
  const warnings = collectors.flatMap((collector) =>
    collector.warnings.map((warning) => `${collector.namespace}/${collector.name}: ${warning}`),
  );
  switch (options.output) {
    case 'patch': {
      return { text: `${JSON.stringify(collectors, null, 2)}\n`, warnings };
    }
    case 'json': {
      const objects = admitted.map(({ object }) => object);
      const body =
        objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
      return { text: `${JSON.stringify(body, null, 2)}\n`, warnings };
    }
    case 'yaml': {
      // The input's own indentation and flow padding, and no folding of long flow collections,
      // so only the patched nodes change in a reviewer's diff.
      const layout = { ...detectYamlLayout(text), lineWidth: 0 };
      const rendered = documents.map((document, index) => {
        const { object, patch } = admitted[index]!;
        const edited =
          patch.length === 0 || applyPatchToYamlDocument(document, patch, object)
            ? document.toString(layout)
            : stringify(object, layout);
        // The separator is written between documents below; a document's own `---` would double it.
        return edited.replace(/^---[ \t]*\n/, '');
      });
      return { text: rendered.join('---\n'), warnings };
    }
  }
}
