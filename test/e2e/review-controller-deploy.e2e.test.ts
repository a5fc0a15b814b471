/**
 * The standalone overlay as a cluster admin installs it, for real (not a dry run): applied twice
 * client-side and twice server-side with no drift, then deleted. No kube-controller-manager runs
 * here, so the namespace stays Terminating after the delete (its content is what matters).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';

const STANDALONE = fileURLToPath(new URL('../../deploy/overlays/standalone', import.meta.url));

describe('deploy/overlays/standalone installed with kubectl on a real API server', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane();
  }, 900_000);

  afterAll(async () => {
    await cp?.stop();
  });

  const kubectl = async (args: string[]): Promise<{ code: number; out: string }> => {
    const r = await cp.kubectl(args);
    return { code: r.code, out: `${r.stdout}${r.stderr}` };
  };

  it('applies, re-applies unchanged, shows no diff, and server-side applies twice without drift', async () => {
    const first = await kubectl(['apply', '-k', STANDALONE]);
    expect(first.out).not.toMatch(/error|warning/i);
    expect(first.code).toBe(0);
    // The CRD must be established before a second pass can be compared.
    expect(
      (
        await kubectl([
          'wait',
          '--for=condition=Established',
          '--timeout=60s',
          'crd/opentelemetrycollectors.opentelemetry.io',
        ])
      ).code,
    ).toBe(0);

    const versions = async (): Promise<string> =>
      (await kubectl(['get', '-k', STANDALONE, '-o', 'jsonpath={..resourceVersion}'])).out.trim();
    const before = await versions();
    const again = await kubectl(['apply', '-k', STANDALONE]);
    expect(again.code).toBe(0);
    // kubectl always sends a PodDisruptionBudget's selector (its patch strategy is "replace"), so
    // it reports "configured" although nothing changes; every other object must be "unchanged".
    const changed = again.out
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.endsWith(' unchanged'));
    expect(changed).toEqual(['poddisruptionbudget.policy/otel-ta-webhook configured']);
    expect(await versions()).toBe(before);

    const diff = await kubectl(['diff', '-k', STANDALONE]);
    expect(diff.out).toBe('');
    expect(diff.code).toBe(0);

    // The first server-side pass takes the fields over from the client-side manager (which
    // writes every object's managedFields once); the second must change nothing.
    let afterFirst = '';
    for (let pass = 0; pass < 2; pass++) {
      const ssa = await kubectl(['apply', '--server-side', '-k', STANDALONE]);
      expect(ssa.out).not.toMatch(/conflict|error/i);
      expect(ssa.code).toBe(0);
      if (pass === 0) afterFirst = await versions();
    }
    expect(await versions()).toBe(afterFirst);
    const ssaDiff = await kubectl(['diff', '--server-side', '-k', STANDALONE]);
    expect(ssaDiff.out).toBe('');
    expect(ssaDiff.code).toBe(0);
  });

  it('deletes everything it installed', async () => {
    const deleted = await kubectl(['delete', '--wait=false', '-k', STANDALONE]);
    expect(deleted.out).not.toMatch(/error/i);
    expect(deleted.code).toBe(0);
    for (const kind of [
      'clusterrole/otel-ta-controller',
      'clusterrolebinding/otel-ta-controller',
      'mutatingwebhookconfiguration/otel-ta-webhook',
      'validatingwebhookconfiguration/otel-ta-webhook',
    ]) {
      const r = await kubectl(['get', kind]);
      expect(r.out).toContain('NotFound');
    }
  });
});
