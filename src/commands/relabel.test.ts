import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProgram, parseLabels, sortedJson } from './relabel.js';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI as a user would (`npx tsx src/cli.ts relabel ...`). */
function relabelCli(args: readonly string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'src/cli.ts', 'relabel', ...args], { cwd: process.cwd() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const dir = mkdtempSync(join(tmpdir(), 'otel-ta-relabel-'));
const rules = join(dir, 'rules.yaml');
writeFileSync(
  rules,
  [
    '- source_labels: [__meta_kubernetes_pod_label_app]',
    '  target_label: app',
    '- source_labels: [app]',
    '  regex: debug',
    '  action: drop',
    '- source_labels: [c]',
    '  target_label: h',
    '  action: hashmod',
    '  modulus: 18446744073709551615',
  ].join('\n'),
);
const scrapeConfig = join(dir, 'job.yaml');
writeFileSync(
  scrapeConfig,
  ['job_name: api', 'relabel_configs:', '  - source_labels: [a]', '    regex: "("'].join('\n'),
);

describe('otel-ta relabel (spawned)', () => {
  it('prints the relabeled set with sorted keys, reading --labels - from stdin', async () => {
    const labels = '{"z":"1","__meta_kubernetes_pod_label_app":"api","c":"baz"}';
    const [kept, badRegex] = await Promise.all([
      relabelCli(['--config', rules, '--labels', '-'], labels),
      relabelCli(['--config', scrapeConfig, '--labels', '{}']),
    ]);
    expect(kept).toMatchObject({ code: 0, stderr: '' });
    // md5("baz")'s low 8 bytes modulo 2^64-1: the modulus needs all 64 bits, so YAML ints are BigInt.
    const hash = BigInt('0xe44cf984c85f6e88') % (2n ** 64n - 1n);
    expect(kept.stdout).toBe(
      `{"__meta_kubernetes_pod_label_app":"api","app":"api","c":"baz","h":"${hash}","z":"1"}\n`,
    );
    expect(badRegex.code).toBe(2);
    expect(badRegex.stderr).toBe(
      'otel-ta: job "api": relabel_configs[0]: invalid regex "(": missing )\n',
    );
  }, 120_000);
});

describe('otel-ta relabel pieces', () => {
  it('prints null when a rule drops the set', async () => {
    const program = await loadProgram(rules, undefined);
    expect(sortedJson(program.apply({ __meta_kubernetes_pod_label_app: 'debug' }))).toBe('null');
  });

  it('rejects an unreadable config file as a usage error', async () => {
    await expect(loadProgram(join(dir, 'absent.yaml'), undefined)).rejects.toMatchObject({
      name: 'UsageError',
      message: expect.stringContaining(`--config: cannot read ${join(dir, 'absent.yaml')}`),
    });
  });

  it('rejects labels that are not a JSON object of strings', () => {
    expect(() => parseLabels('["a"]')).toThrow(
      '--labels: must be a JSON object of label names to string values',
    );
    expect(() => parseLabels('{"a":1}')).toThrow(
      '--labels: the value of "a" must be a string, got 1',
    );
    expect(() => parseLabels('{')).toThrow('--labels: not valid JSON');
  });
});
