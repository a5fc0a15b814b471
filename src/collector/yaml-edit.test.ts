import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  checkGeneratedEdits,
  CONFIG,
  CONFIG_AS_HTTP_SD,
  toHttpSd,
} from '../../test/unit/support/yaml-edit-cases.js';
import { cloneJson, type JsonObject } from './json-value.js';
import { editYamlEntries, parseYamlDocument } from './yaml-edit.js';
import { detectYamlLayout } from './yaml-format.js';

function editTo(text: string, next: JsonObject): string | undefined {
  const before = load(text) as JsonObject;
  return editYamlEntries(parseYamlDocument(text), text, before, next, detectYamlLayout(text));
}

function edit(text: string, change: (next: JsonObject) => void): string | undefined {
  const next = cloneJson(load(text) as JsonObject);
  change(next);
  return editTo(text, next);
}

describe('editYamlEntries', () => {
  it('replaces only the entries that change, in the layout of the text, keeping every other byte', () => {
    expect(edit(CONFIG, toHttpSd)).toBe(CONFIG_AS_HTTP_SD);
  });

  it('writes a changed scalar anew after the `- ` of its item, keeping its comment', () => {
    const text = 'jobs:\n  - name: a # the name\n    port: 1\n';
    expect(
      edit(text, (next) => {
        ((next.jobs as JsonObject[])[0] as JsonObject).name = 'b';
      }),
    ).toBe('jobs:\n  - name: b # the name\n    port: 1\n');
  });

  it('inserts before the first entry when no kept key precedes the new one', () => {
    const text = 'a: 1\nb: 2\n';
    expect(edit(text, (next) => Object.assign(next, { z: 0 }))).toBe('a: 1\nb: 2\nz: 0\n');
    expect(editTo(text, { z: 0, a: 1, b: 2 })).toBe('z: 0\na: 1\nb: 2\n');
    const item = 'jobs:\n- name: a\n  port: 1\n';
    expect(editTo(item, { jobs: [{ id: 0, name: 'a', port: 1 }] })).toBe(
      'jobs:\n- id: 0\n  name: a\n  port: 1\n',
    );
  });

  it('removes the first key of a `- ` item, moving the next one behind the dash', () => {
    const text = 'jobs:\n- name: a\n  port: 1\n';
    expect(edit(text, (next) => delete (next.jobs as JsonObject[])[0]!.name)).toBe(
      'jobs:\n- port: 1\n',
    );
  });

  it('appends to a text without a final newline', () => {
    expect(edit('a: 1', (next) => Object.assign(next, { b: 2 }))).toBe('a: 1\nb: 2');
  });

  it('writes an entry again whole when its value cannot be edited inside, keeping the comments in it', () => {
    const text = 'a:\n  # why b\n  b: 1\n  list:\n  - x\nc: 2\n';
    expect(edit(text, (next) => ((next.a as JsonObject).list as string[]).push('y'))).toBe(
      'a:\n  # why b\n  b: 1\n  list:\n  - x\n  - y\nc: 2\n',
    );
    const flow = 'a: {b: 1, c: 2}\n';
    expect(edit(flow, (next) => ((next.a as JsonObject).c = 3))).toBe('a: {b: 1, c: 3}\n');
  });

  it('leaves to the whole-document edit a sequence item that is not a map', () => {
    const text = 'jobs:\n- [a]\n- [b]\n';
    expect(editTo(text, { jobs: [['a'], ['c']] })).toBe(undefined);
  });
});

describe('editYamlEntries over generated texts', () => {
  it('gives either no edit or a text that reads as the target', () => {
    const edited = checkGeneratedEdits((text, _before, next) => editTo(text, next));
    expect(edited).toBeGreaterThan(750);
  });
});
