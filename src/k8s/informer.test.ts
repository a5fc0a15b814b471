import { describe, expect, it } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import { KubeApiError } from './api-error.js';
import type { Delay } from './backoff.js';
import { Informer } from './informer.js';
import type { ListResult, ListWatchSource } from './list-watch.js';
import type { KubeObject } from './object.js';
import type { WatchEvent } from './rest-client.js';

// A scripted list/watch source: failures such as a dropped connection or an expired
// resourceVersion cannot be produced on demand by a real API server, so each call's outcome is
// given by the test.
type Step<T> =
  | { list: ListResult<T> }
  | { listError: Error }
  | { watch: WatchEvent<T>[] }
  | { watchError: Error };

function scripted<T>(steps: Step<T>[]): ListWatchSource<T> & { calls: string[] } {
  const calls: string[] = [];
  const next = async (kind: 'list' | 'watch', signal: AbortSignal): Promise<Step<T>> => {
    const step = steps.shift();
    if (step === undefined) {
      // Script exhausted: behave like a quiet watch until the informer stops.
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      return kind === 'list' ? { list: { items: [], resourceVersion: '0' } } : { watch: [] };
    }
    return step;
  };
  return {
    calls,
    async list(signal) {
      calls.push('list');
      const step = await next('list', signal);
      if ('listError' in step) throw step.listError;
      if ('list' in step) return step.list;
      throw new Error(`script expected a list step, got ${JSON.stringify(step)}`);
    },
    async watch(rv, onEvent, signal) {
      calls.push(`watch@${rv}`);
      const step = await next('watch', signal);
      if ('watchError' in step) throw step.watchError;
      if ('watch' in step) {
        for (const e of step.watch) onEvent(e);
        return;
      }
      throw new Error(`script expected a watch step, got ${JSON.stringify(step)}`);
    },
  };
}

const obj = (name: string, rv: string): KubeObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

function recordingDelay(): { delay: Delay; waits: number[] } {
  const waits: number[] = [];
  return { waits, delay: (ms) => (waits.push(ms), Promise.resolve()) };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
}

describe('Informer', () => {
  it('caches the list, applies watch events and emits add/update/delete', async () => {
    const source = scripted<KubeObject>([
      { list: { items: [obj('a', '1')], resourceVersion: '10' } },
      {
        watch: [
          { type: 'ADDED', object: obj('b', '11') },
          { type: 'MODIFIED', object: obj('a', '12') },
          { type: 'DELETED', object: obj('b', '13') },
        ],
      },
    ]);
    const informer = new Informer(source, { name: 't', logger: silentLogger() });
    const events: string[] = [];
    informer.on('add', (o) => events.push(`add ${o.metadata?.name}`));
    informer.on('update', (o, old) =>
      events.push(
        `update ${o.metadata?.name} ${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`,
      ),
    );
    informer.on('delete', (o) => events.push(`delete ${o.metadata?.name}`));
    await informer.start();
    await informer.waitForSync();
    await until(() => events.length === 4);
    await informer.stop();
    expect(events).toEqual(['add a', 'add b', 'update a 1->12', 'delete b']);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['a']);
    // The second watch resumes from the last version seen, without a relist.
    expect(source.calls.slice(0, 3)).toEqual(['list', 'watch@10', 'watch@13']);
  });

  it('relists at once on an expired resourceVersion and emits only the differences', async () => {
    const source = scripted<KubeObject>([
      { list: { items: [obj('a', '1'), obj('b', '1')], resourceVersion: '5' } },
      { watch: [{ type: 'ERROR', object: { code: 410, message: 'too old' } }] },
      { list: { items: [obj('a', '1'), obj('c', '7')], resourceVersion: '9' } },
    ]);
    const { delay, waits } = recordingDelay();
    const informer = new Informer(source, { name: 't', logger: silentLogger(), delay });
    const events: string[] = [];
    informer.on('add', (o) => events.push(`add ${o.metadata?.name}`));
    informer.on('delete', (o) => events.push(`delete ${o.metadata?.name}`));
    informer.on('update', (o) => events.push(`update ${o.metadata?.name}`));
    await informer.start();
    await until(() => events.length === 4);
    await informer.stop();
    expect(events).toEqual(['add a', 'add b', 'add c', 'delete b']);
    expect(waits).toEqual([]);
  });

  it('keeps retrying failed lists with exponential backoff instead of stopping', async () => {
    const down = new KubeApiError(503, 'ServiceUnavailable', 'apiserver down');
    const source = scripted<KubeObject>([
      { listError: down },
      { listError: down },
      { listError: new Error('ECONNREFUSED') },
      { list: { items: [obj('a', '1')], resourceVersion: '2' } },
      { watchError: new Error('socket hang up') },
      { list: { items: [obj('a', '3')], resourceVersion: '4' } },
    ]);
    const { delay, waits } = recordingDelay();
    const informer = new Informer(source, {
      name: 't',
      logger: silentLogger(),
      delay,
      backoff: { initialMs: 100, maxMs: 300 },
    });
    const updates: string[] = [];
    informer.on('update', (o) => updates.push(o.metadata?.resourceVersion ?? ''));
    await informer.start();
    await until(() => updates.length === 1);
    await informer.stop();
    expect(waits).toEqual([100, 200, 300, 300]);
    expect(updates).toEqual(['3']);
  });

  it('a throwing handler does not break the cache or other handlers', async () => {
    const source = scripted<KubeObject>([
      { list: { items: [obj('a', '1')], resourceVersion: '1' } },
    ]);
    const informer = new Informer(source, { name: 't', logger: silentLogger() });
    const seen: string[] = [];
    informer.on('add', () => {
      throw new Error('boom');
    });
    informer.on('add', (o) => seen.push(o.metadata?.name ?? ''));
    await informer.start();
    await informer.waitForSync();
    await informer.stop();
    expect(seen).toEqual(['a']);
    expect(informer.get('ns/a')).toBeDefined();
  });
});
