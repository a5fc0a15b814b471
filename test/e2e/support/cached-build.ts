import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '../harness/control-plane.js';

/**
 * What one of the project's cached build scripts (scripts/build-otelcol.sh, build-helm.sh,
 * fetch-prometheus-operator-crds.sh) produces: a path, printed on its last line. scripts/test-all.sh
 * runs each script before the tests and passes its path in an environment variable; run alone, a
 * test runs the script here (minutes when cold). A failed script throws with its output: the tests
 * fail, they never skip. Each script is run at most once per process.
 */
const located = new Map<string, Promise<string>>();

export function cachedBuildOutput(script: string, envVar: string): Promise<string> {
  let path = located.get(script);
  if (path === undefined) {
    path = locate(script, envVar);
    located.set(script, path);
  }
  return path;
}

async function locate(script: string, envVar: string): Promise<string> {
  const fromEnv = process.env[envVar];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv)) throw new Error(`${envVar}=${fromEnv} does not exist`);
    return fromEnv;
  }
  const child = spawn('bash', [join(findRepoRoot(), 'scripts', script)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const path = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0 || !existsSync(path)) {
    throw new Error(`scripts/${script} exited ${code}; its output:\n${stderr.slice(-4000)}`);
  }
  return path;
}
