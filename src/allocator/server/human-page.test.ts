import { describe, expect, it } from 'vitest';
import { makeTarget } from '../../../test/e2e/support/targets.js';
import { Allocator } from '../allocator.js';
import { createStrategy } from '../strategies/registry.js';
import { renderHumanPage } from './human-page.js';

describe('renderHumanPage', () => {
  it('lists collectors with their counts and jobs with escaped links', () => {
    const view = new Allocator({ strategy: createStrategy('least-weighted') });
    view.setCollectors([{ id: 'col-a' }, { id: '<b>evil</b>' }]);
    view.setJobTargets('my job/<x>', [
      makeTarget('my job/<x>', 'h:1'),
      makeTarget('my job/<x>', 'h:2'),
    ]);
    const counts = view.targetCountsByCollector();
    const html = renderHumanPage({ view, strategy: 'consistent-hashing', ready: true });
    expect(html).not.toContain('<b>evil</b>');
    expect(html).toContain('&lt;b&gt;evil&lt;/b&gt;');
    expect(html).toContain('href="/jobs/my+job%2F%3Cx%3E/targets"');
    expect(html).toContain('>my job/&lt;x&gt;</a>');
    expect(html).toContain(`col-a</td><td class="num">${counts.get('col-a')}</td>`);
    expect(counts.get('col-a')! + counts.get('<b>evil</b>')!).toBe(2);
    expect(html).not.toMatch(/<script|src=|https?:\/\//);
  });

  it('shows the handoffs in progress: targets held per job, the oldest hold, the reasons so far', () => {
    const view = new Allocator({ strategy: createStrategy('least-weighted') });
    const html = renderHumanPage({
      view,
      strategy: 'consistent-hashing',
      ready: true,
      handoff: {
        held: 3,
        heldByJob: new Map([['<app>', 3]]),
        oldestHoldAgeMs: 12_400,
        completed: new Map([
          ['old_owner_polled', 7],
          ['old_owner_left', 2],
        ]),
        silentCollectors: ['col-9'],
        departingCollectors: [],
        settings: { refreshIntervalMs: 10_000, silenceMs: 30_000, departureGraceMs: 10_000 },
      },
    });
    expect(html).toContain('3 targets held back');
    expect(html).toContain('oldest hold 12 s');
    expect(html).toContain('old owner polled: 7');
    expect(html).toContain('<td>&lt;app&gt;</td><td class="num">3</td>');
    expect(html).toContain('<code>col-9</code>');
  });
});
