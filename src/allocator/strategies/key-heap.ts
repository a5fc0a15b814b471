/**
 * A binary max-heap of placement keys by canonical order: the root is the collector's last key, the
 * one a better-placed newcomer displaces. Each key records its index (`slot`), so any key can be
 * removed in O(log n).
 */
export interface HeapKey {
  readonly order: number;
  readonly text: string;
  slot: number;
}

/** True when `a` comes before `b` in the canonical order (hash, then text for the rare tie). */
export function precedes(a: HeapKey, b: HeapKey): boolean {
  return a.order !== b.order ? a.order < b.order : a.text < b.text;
}

function siftUp<K extends HeapKey>(heap: K[], start: number): void {
  const key = heap[start]!;
  let i = start;
  while (i > 0) {
    const parentAt = (i - 1) >> 1;
    const parent = heap[parentAt]!;
    if (!precedes(parent, key)) break;
    heap[i] = parent;
    parent.slot = i;
    i = parentAt;
  }
  heap[i] = key;
  key.slot = i;
}

function siftDown<K extends HeapKey>(heap: K[], start: number): void {
  const key = heap[start]!;
  const n = heap.length;
  let i = start;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    const right = child + 1;
    if (right < n && precedes(heap[child]!, heap[right]!)) child = right;
    const later = heap[child]!;
    if (!precedes(key, later)) break;
    heap[i] = later;
    later.slot = i;
    i = child;
  }
  heap[i] = key;
  key.slot = i;
}

export function heapPush<K extends HeapKey>(heap: K[], key: K): void {
  heap.push(key);
  siftUp(heap, heap.length - 1);
}

export function heapRemove<K extends HeapKey>(heap: K[], key: K): void {
  const at = key.slot;
  const last = heap.pop()!;
  if (last !== key) {
    heap[at] = last;
    last.slot = at;
    siftUp(heap, at);
    siftDown(heap, last.slot);
  }
  key.slot = -1;
}

/** Restores the heap property over an array filled in any order (Floyd's method, O(n)). */
export function heapify<K extends HeapKey>(heap: K[]): void {
  heap.forEach((key, i) => (key.slot = i));
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i);
}
