/**
 * The floor under `full_allocate_ms`: the least bookkeeping any allocator written in JavaScript does
 * per target, timed on this machine with nothing else. Per target: hash its address and its
 * identity, create one record, index it twice (by identity and by address) and pick the best of the
 * collectors by rendezvous score. No relabeling, no merge, no balancing. Prints one JSON object.
 *
 *   npx tsx bench/allocation-floor.ts [--targets 100000] [--collectors 50] [--runs 7]
 */
import { parseArgs } from 'node:util';
import { hashString, topChoice } from '../src/allocator/strategies/rendezvous-hash.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '100000' },
    collectors: { type: 'string', default: '50' },
    runs: { type: 'string', default: '7' },
  },
});
const count = Number(values.targets);
const seeds = new Int32Array(
  Array.from({ length: Number(values.collectors) }, (_, i) => hashString(`collector-${i}`)),
);

// Flat strings as decoded JSON gives them, like discovery's.
const addresses: string[] = JSON.parse(
  JSON.stringify(
    Array.from(
      { length: count },
      (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080`,
    ),
  ),
) as string[];
const pods: string[] = JSON.parse(
  JSON.stringify(
    Array.from({ length: count }, (_, i) => `app-${i % 97}-${(i * 2654435761) >>> 0}`),
  ),
) as string[];

interface Row {
  readonly id: string;
  readonly address: string;
  readonly collector: number;
}

function once(): number {
  const started = performance.now();
  const byId = new Map<string, Row>();
  const byAddress = new Map<string, Row>();
  for (let i = 0; i < count; i++) {
    const address = addresses[i]!;
    const hash = hashString(address);
    const id = (hashString(pods[i]!, hash) >>> 0).toString(16);
    const row: Row = { id, address, collector: topChoice(hash, seeds) };
    byId.set(id, row);
    byAddress.set(address, row);
  }
  return performance.now() - started;
}

const times = Array.from({ length: Number(values.runs) }, once).sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    targets: count,
    collectors: seeds.length,
    floor_ms_median: Number(times[Math.floor(times.length / 2)]!.toFixed(1)),
    floor_ms_min: Number(times[0]!.toFixed(1)),
    node: process.version,
  })}\n`,
);
