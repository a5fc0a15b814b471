import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  checkGeneratedEdits,
  CONFIG,
  CONFIG_AS_HTTP_SD,
  toHttpSd,
} from '../../test/unit/support/yaml-edit-cases.js';
import { cloneJson, type JsonObject } from './json-value.js';
import { editByLines } from './yaml-line-edit.js';

const render = (key: string, value: unknown): string =>
  stringify({ [key]: value }, { lineWidth: 0, indentSeq: false });

function edit(text: string, change: (next: JsonObject) => void): string | undefined {
  const before = load(text) as JsonObject;
  const next = cloneJson(before);
  change(next);
  return editByLines(text, before, next, render);
}

describe('editByLines', () => {
  it('removes and inserts entries where the Document edit would, keeping every other byte', () => {
    expect(edit(CONFIG, toHttpSd)).toBe(CONFIG_AS_HTTP_SD);
  });

  it('writes a changed scalar anew, after the `- ` of its item', () => {
    const text = 'jobs:\n  - name: a\n    port: 1\n';
    expect(
      edit(text, (next) => {
        ((next.jobs as JsonObject[])[0] as JsonObject).name = 'b';
      }),
    ).toBe('jobs:\n  - name: b\n    port: 1\n');
  });

  it('inserts before the first entry when no kept key precedes the new one', () => {
    const text = 'a: 1\nb: 2\n';
    expect(edit(text, (next) => Object.assign(next, { z: 0 }))).toBe('a: 1\nb: 2\nz: 0\n');
    const reordered = editByLines(text, { a: 1, b: 2 }, { z: 0, a: 1, b: 2 }, render);
    expect(reordered).toBe('z: 0\na: 1\nb: 2\n');
  });

  it('appends to a text without a final newline', () => {
    expect(edit('a: 1', (next) => Object.assign(next, { b: 2 }))).toBe('a: 1\nb: 2');
  });

  it('leaves to the Document edit what it does not recognise', () => {
    const firstKeyOfItem = 'jobs:\n- name: a\n  port: 1\n';
    expect(edit(firstKeyOfItem, (next) => delete (next.jobs as JsonObject[])[0]!.name)).toBe(
      undefined,
    );
    expect(edit(firstKeyOfItem, (next) => (next.jobs as JsonObject[]).push({ name: 'b' }))).toBe(
      undefined,
    );
    const flow = 'a: {b: 1, c: 2}\n';
    expect(edit(flow, (next) => ((next.a as JsonObject).c = 3))).toBe(undefined);
    expect(edit(`---\n${flow}`, (next) => (next.d = 1))).toBe(undefined);
  });
});

describe('editByLines over generated texts', () => {
  it('gives either no edit or a text that reads as the target', () => {
    checkGeneratedEdits((text, before, next) => editByLines(text, before, next, render));
  });
});
