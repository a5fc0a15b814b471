import { MonitorError } from './monitor-error.js';
import type { SpecReader } from './spec-reader.js';

/** Reads one key of one Secret or ConfigMap; undefined when the object or key is not known. */
export type ObjectKeyLookup = (namespace: string, name: string, key: string) => string | undefined;

export interface ReferenceSources {
  readonly secrets: ObjectKeyLookup;
  readonly configMaps: ObjectKeyLookup;
  /** Where Secrets and ConfigMaps are read from, for the message when one cannot be found. */
  readonly secretNamespaces: readonly string[];
}

interface KeyRef {
  readonly name: string;
  readonly key: string;
}

/**
 * A monitor's references to Secrets and ConfigMaps, resolved in the monitor's own namespace (a
 * monitor can only reference objects there, as prometheus-operator enforces) and inlined: the
 * Prometheus config the collector receives has no object references.
 */
export class NamespaceReferences {
  constructor(
    readonly namespace: string,
    private readonly sources: ReferenceSources,
  ) {}

  /** A SecretKeySelector at `parent.field`; undefined when absent or left empty. */
  secret(parent: SpecReader | undefined, field: string): string | undefined {
    const selector = parent?.object(field);
    return selector === undefined ? undefined : this.secretSelector(selector);
  }

  /** A SecretKeySelector itself (e.g. an item of a list of them). */
  secretSelector(selector: SpecReader): string | undefined {
    const ref = keyRef(selector);
    return ref === undefined
      ? undefined
      : this.read('Secret', this.sources.secrets, ref, selector.path);
  }

  /** A SecretOrConfigMap at `parent.field` (`{secret: {...}}` or `{configMap: {...}}`). */
  secretOrConfigMap(parent: SpecReader | undefined, field: string): string | undefined {
    const source = parent?.object(field);
    if (source === undefined) return undefined;
    const fromSecret = this.secret(source, 'secret');
    const cmSelector = source.object('configMap');
    const cmRef = cmSelector === undefined ? undefined : keyRef(cmSelector);
    if (fromSecret !== undefined && cmRef !== undefined) {
      throw new MonitorError(`${source.path}: set either secret or configMap, not both`);
    }
    if (cmRef === undefined) return fromSecret;
    return this.read('ConfigMap', this.sources.configMaps, cmRef, source.child('configMap'));
  }

  private read(kind: string, lookup: ObjectKeyLookup, ref: KeyRef, where: string): string {
    const value = lookup(this.namespace, ref.name, ref.key);
    if (value !== undefined) return value;
    const namespaces = this.sources.secretNamespaces;
    const readable = namespaces.includes(this.namespace)
      ? 'create it or fix the reference'
      : `add "${this.namespace}" to prometheus_cr.secret_namespaces (Secrets and ConfigMaps are read in: ${namespaces.join(', ') || 'none'})`;
    throw new MonitorError(
      `${where}: key "${ref.key}" of ${kind} ${this.namespace}/${ref.name} is not available; ${readable}`,
    );
  }
}

/** `{name, key}`; `{name: "", key: ""}` (a common default) means unset. */
function keyRef(ref: SpecReader): KeyRef | undefined {
  const name = ref.string('name') ?? '';
  const key = ref.string('key') ?? '';
  if (name === '' && key === '') return undefined;
  if (name === '' || key === '') {
    throw new MonitorError(`${ref.path} needs both name and key`);
  }
  return { name, key };
}
