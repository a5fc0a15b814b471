import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real helm CLI the chart's tests run, built from its Go module (helm.sh/helm/v4) by
 * scripts/build-helm.sh and cached outside the repo. scripts/test-all.sh builds it before the tests
 * and passes it in OTEL_TA_HELM_BIN; run alone, a test builds it here (minutes when cold). A failed
 * build throws with go's output: the tests fail, they never skip.
 */
let located: Promise<string> | undefined;

export function helmBinary(): Promise<string> {
  located ??= locate();
  return located;
}

async function locate(): Promise<string> {
  const fromEnv = process.env['OTEL_TA_HELM_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv)) throw new Error(`OTEL_TA_HELM_BIN=${fromEnv} does not exist`);
    return fromEnv;
  }
  const script = join(repoRoot(), 'scripts', 'build-helm.sh');
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const binary = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !existsSync(binary)) {
    throw new Error(`scripts/build-helm.sh exited ${code}; its output:\n${stderr.slice(-4000)}`);
  }
  return binary;
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'scripts', 'build-helm.sh'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('scripts/build-helm.sh not found above ' + dir);
    dir = parent;
  }
  return dir;
}
