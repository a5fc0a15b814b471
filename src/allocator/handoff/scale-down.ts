/**
 * Whether a departed StatefulSet pod comes back. A StatefulSet names its pods `<name>-<ordinal>`
 * and keeps ordinals 0 .. replicas-1; a scale-down lowers `spec.replicas` first and then deletes
 * the pods at or above it, highest first. So a departed pod whose ordinal is at or above the
 * current replicas was scaled down and has no successor; any other departure (a rollout, an
 * eviction, `kubectl delete pod`) gets one under the same name.
 *
 * Returns undefined when the name is not one of that StatefulSet's pod names: nothing is known.
 */
export function scaledDown(
  podName: string,
  statefulSetName: string,
  replicas: number,
): boolean | undefined {
  const prefix = `${statefulSetName}-`;
  if (!podName.startsWith(prefix)) return undefined;
  const suffix = podName.slice(prefix.length);
  if (!/^(0|[1-9][0-9]*)$/.test(suffix)) return undefined;
  return Number(suffix) >= replicas;
}
