import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRender, type RenderFlags } from '../../src/commands/render.js';
import { UsageError } from '../../src/errors.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MANIFEST = join(ROOT, 'test/fixtures/collectors/collector-with-ta.v1alpha1.yaml');
const RISKY = `apiVersion: opentelemetry.io/v1alpha1
kind: OpenTelemetryCollector
metadata: {name: pool}
spec:
  mode: statefulset
  replicas: 2
  config: "receivers: {prometheus: {config: {scrape_configs: [{job_name: a, static_configs: [{targets: ['a:1']}]}]}}}"
`;

const FLAGS: RenderFlags = {
  output: 'yaml',
  namespace: 'default',
  allocatorImage: 'img:1',
  defaultAllocationStrategy: 'consistent-hashing',
  collectorRefreshInterval: '10s',
};

async function render(flags: Partial<RenderFlags>, stdin = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  let error: unknown;
  try {
    await runRender({ ...FLAGS, ...flags }, { stdin: Readable.from([stdin]), stdout, stderr });
  } catch (caught) {
    error = caught;
  }
  return { stdout: out, stderr: err, error };
}

describe('otel-ta render', () => {
  let directory: string;
  let enforcePolicy: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'otel-ta-render-'));
    enforcePolicy = join(directory, 'policy.yaml');
    await writeFile(enforcePolicy, 'rules: [{name: no-duplicates, outOfOrder: enforce}]\n');
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('renders a file, printing warnings on stderr', async () => {
    const run = await render({ filename: MANIFEST, output: 'json' });
    expect(run.error).toBeUndefined();
    expect(JSON.parse(run.stdout)).toMatchObject({
      spec: { targetAllocator: { enabled: true, image: 'img:1' } },
    });
    expect(run.stderr).toContain('Warning: observability/collector-with-ta:');
  });

  it("fills the cluster's default strategy like the webhook told the same", async () => {
    const run = await render({
      filename: MANIFEST,
      output: 'json',
      defaultAllocationStrategy: 'least-weighted',
    });
    expect(run.error).toBeUndefined();
    expect(JSON.parse(run.stdout)).toMatchObject({
      spec: { targetAllocator: { allocationStrategy: 'least-weighted' } },
    });
  });

  it('reads stdin with -f -', async () => {
    const run = await render({ filename: '-', output: 'patch' }, RISKY);
    expect(run.error).toBeUndefined();
    // Not triggered (no allocator, no policy): listed with an empty patch.
    expect(JSON.parse(run.stdout)).toMatchObject([{ document: 1, name: 'pool', patch: [] }]);
  });

  it('fails with the denial and prints nothing when the policy denies', async () => {
    const run = await render(
      { filename: '-', namespace: 'team-a', policyFile: enforcePolicy },
      RISKY,
    );
    expect(run.error).toMatchObject({ code: 'RENDER_DENIED' });
    expect(run.error).not.toBeInstanceOf(UsageError);
    expect(String(run.error)).toMatch(
      /team-a\/pool\) would be denied.*every replica scrapes every target.*no-duplicates/,
    );
    expect(run.stdout).toBe('');
  });

  it.each([
    ['a missing file', { filename: join(ROOT, 'does/not/exist.yaml') }, '', /cannot read/],
    ['input that is not YAML', { filename: '-' }, 'kind: [\n', /not valid YAML/],
    ['no -f', {}, '', /needs -f FILE/],
    [
      'an unknown output',
      { filename: '-', output: 'toml' },
      '',
      /--output must be one of yaml, json, patch/,
    ],
    ['an invalid policy', { filename: '-', policyFile: MANIFEST }, '', /policy file .* is invalid/],
    [
      'a default strategy no collector may default to',
      { filename: '-', defaultAllocationStrategy: 'per-node' },
      '',
      /--default-allocation-strategy must be one of consistent-hashing, least-weighted, got "per-node"/,
    ],
  ])('refuses %s as a usage error (exit 2)', async (_label, flags, stdin, message) => {
    const run = await render(flags, stdin);
    expect(run.error).toBeInstanceOf(UsageError);
    expect(String(run.error)).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('maps a denial to exit code 1 in the real CLI', { timeout: 90_000 }, async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'render', '-f', '-', '--policy-file', enforcePolicy],
      {
        cwd: ROOT,
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(RISKY);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^otel-ta: document 1 \(default\/pool\) would be denied/);
  });
});
