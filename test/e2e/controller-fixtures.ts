/**
 * Collectors as the API server stores them: the documentation's manifest (test/fixtures), changed
 * by the test as a user would, then mutated exactly as the webhook does at admission.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { isRecord, type JsonObject } from '../../src/collector/json-value.js';
import { mutateCollector } from '../../src/collector/mutate.js';

export const FIXTURE_ALLOCATOR_IMAGE = 'registry.example/otel-ta:test';

const V1BETA1 = fileURLToPath(
  new URL('../fixtures/collectors/collector-with-ta.v1beta1.yaml', import.meta.url),
);

/** The documentation's v1beta1 collector, as the user writes it (before admission). */
export function userCollector(
  edit: (collector: UserCollector) => void = () => undefined,
): JsonObject {
  const object = parse(readFileSync(V1BETA1, 'utf8')) as UserCollector;
  edit(object);
  return object;
}

export interface UserCollector extends JsonObject {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: JsonObject & {
    targetAllocator: JsonObject;
    config: {
      receivers: { prometheus: { config: { scrape_configs: JsonObject[] } } };
    } & JsonObject;
  };
}

/** What the webhook would store for `object`. */
export function admitted(object: JsonObject): JsonObject {
  const meta = isRecord(object.metadata) ? object.metadata : {};
  const outcome = mutateCollector(object, {
    operation: 'CREATE',
    namespace: typeof meta.namespace === 'string' ? meta.namespace : 'default',
    name: typeof meta.name === 'string' ? meta.name : '',
    settings: { allocatorImage: FIXTURE_ALLOCATOR_IMAGE },
  });
  if (outcome.kind === 'denied') throw new Error(`fixture denied: ${outcome.message}`);
  return outcome.kind === 'mutated' ? outcome.object : object;
}

/** The stored object with a uid, as the controller reads it from its informer. */
export function storedCollector(
  edit: (collector: UserCollector) => void = () => undefined,
): JsonObject {
  const object = admitted(userCollector(edit));
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  return { ...object, metadata: { ...metadata, uid: '00000000-0000-4000-8000-000000000001' } };
}
