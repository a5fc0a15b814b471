import { describe, expect, it } from 'vitest';
import { allocatorPermissions, prometheusCrAccess } from './allocator-rbac.js';

const READ = ['get', 'list', 'watch'];

describe('allocatorPermissions', () => {
  it('static targets need only the collector pods of the namespace', () => {
    expect(allocatorPermissions('obs', [{ job_name: 'a', static_configs: [] }], false)).toEqual({
      namespaced: [{ apiGroups: [''], resources: ['pods'], verbs: READ }],
      clusterWide: [],
      secrets: 'none',
    });
  });

  it('kubernetes_sd limited to the own namespace stays in a Role', () => {
    const perms = allocatorPermissions(
      'obs',
      [
        {
          job_name: 'a',
          kubernetes_sd_configs: [
            { role: 'endpointslice', namespaces: { own_namespace: true } },
            { role: 'service', namespaces: { names: ['obs'] } },
          ],
        },
      ],
      false,
    );
    expect(perms).toEqual({
      namespaced: [
        { apiGroups: [''], resources: ['pods', 'services'], verbs: READ },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
      ],
      clusterWide: [],
      secrets: 'none',
    });
  });

  it('other namespaces, all namespaces, nodes and attached node metadata need cluster scope', () => {
    const perms = allocatorPermissions(
      'obs',
      [
        {
          job_name: 'p',
          kubernetes_sd_configs: [{ role: 'pod', attach_metadata: { node: true } }],
        },
        { job_name: 'n', kubernetes_sd_configs: [{ role: 'node' }] },
        {
          job_name: 'i',
          kubernetes_sd_configs: [{ role: 'ingress', namespaces: { names: ['web'] } }],
        },
      ],
      false,
    );
    expect(perms.namespaced).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: READ }]);
    expect(perms.clusterWide).toEqual([
      { apiGroups: [''], resources: ['nodes', 'pods'], verbs: READ },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: READ },
    ]);
  });

  it('Prometheus CR discovery reads the selected monitor kinds, their targets and nodes cluster-wide, ConfigMaps in the own namespace, Secrets through the secrets binding', () => {
    const perms = allocatorPermissions(
      'obs',
      [],
      prometheusCrAccess({ enabled: true, service_monitor_selector: {}, pod_monitor_selector: {} }),
    );
    expect(perms).toEqual({
      namespaced: [{ apiGroups: [''], resources: ['configmaps', 'pods'], verbs: READ }],
      clusterWide: [
        { apiGroups: [''], resources: ['nodes', 'pods', 'services'], verbs: READ },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
        {
          apiGroups: ['monitoring.coreos.com'],
          resources: ['podmonitors', 'servicemonitors'],
          verbs: READ,
        },
      ],
      secrets: 'namespace',
    });
  });

  it.each([
    [
      'no selector set: nothing beyond the collector pods (a null selector selects nothing)',
      { enabled: true },
      [],
    ],
    [
      'probes: the probes and the ingresses their ingress targets come from',
      { enabled: true, probe_selector: {} },
      [
        { apiGroups: ['monitoring.coreos.com'], resources: ['probes'], verbs: READ },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: READ },
      ],
    ],
    [
      'scrapeconfigs: every kubernetes_sd role, since each ScrapeConfig picks its own',
      { enabled: true, scrape_config_selector: { matchLabels: { team: 'a' } } },
      [
        {
          apiGroups: [''],
          resources: ['endpoints', 'nodes', 'pods', 'services'],
          verbs: READ,
        },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
        { apiGroups: ['monitoring.coreos.com'], resources: ['scrapeconfigs'], verbs: READ },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: READ },
      ],
    ],
    [
      'a namespace selector of a selected kind: namespaces too',
      {
        enabled: true,
        probe_selector: {},
        probe_namespace_selector: { matchLabels: { monitored: 'yes' } },
        // Not selected: its namespace selector needs no namespaces.
        scrape_config_namespace_selector: { matchLabels: { x: 'y' } },
      },
      [
        { apiGroups: [''], resources: ['namespaces'], verbs: READ },
        { apiGroups: ['monitoring.coreos.com'], resources: ['probes'], verbs: READ },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: READ },
      ],
    ],
  ])('%s', (_what, block, clusterWide) => {
    const perms = allocatorPermissions('obs', [], prometheusCrAccess(block));
    expect(perms.clusterWide).toEqual(clusterWide);
  });

  it('secret_namespaces beyond the own namespace need ConfigMaps and the Secrets binding cluster-wide', () => {
    const perms = allocatorPermissions(
      'obs',
      [],
      prometheusCrAccess({
        enabled: true,
        service_monitor_selector: {},
        secret_namespaces: ['obs', 'shop'],
      }),
    );
    expect(perms.namespaced).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: READ }]);
    expect(perms.clusterWide[0]).toEqual({
      apiGroups: [''],
      resources: ['configmaps', 'nodes', 'pods', 'services'],
      verbs: READ,
    });
    expect(perms.secrets).toBe('cluster');
  });

  it('without prometheus_cr enabled, no monitoring.coreos.com, namespace or Secret access', () => {
    expect(prometheusCrAccess({ enabled: false, secret_namespaces: ['x'] })).toBe(false);
    expect(prometheusCrAccess(undefined)).toBe(false);
    const perms = allocatorPermissions('obs', [], prometheusCrAccess({ enabled: false }));
    expect(perms).toEqual({
      namespaced: [{ apiGroups: [''], resources: ['pods'], verbs: READ }],
      clusterWide: [],
      secrets: 'none',
    });
  });
});
