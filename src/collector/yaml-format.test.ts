import { describe, expect, it } from 'vitest';
import { detectYamlLayout } from './yaml-format.js';

describe('detectYamlLayout', () => {
  it('sees sequences written flush under their key', () => {
    expect(detectYamlLayout('a:\n  b:\n  - x\n  - y\nc: [d]\n')).toEqual({
      indent: 2,
      indentSeq: false,
      flowCollectionPadding: false,
    });
  });

  it('sees indented sequences, a four-space indent and padded flow collections', () => {
    expect(detectYamlLayout('a:\n    b:\n        - x\n    c: [ d ]\n')).toEqual({
      indent: 4,
      indentSeq: true,
      flowCollectionPadding: true,
    });
  });

  it('falls back to the yaml package defaults for a flat document', () => {
    expect(detectYamlLayout('a: 1\n')).toEqual({
      indent: 2,
      indentSeq: true,
      flowCollectionPadding: false,
    });
  });
});
