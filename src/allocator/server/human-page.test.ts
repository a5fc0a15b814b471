import { describe, expect, it } from 'vitest';
import {
  FixedAllocationView,
  makeTarget,
} from '../../../test/e2e/support/fixed-allocation-view.js';
import { renderHumanPage } from './human-page.js';

describe('renderHumanPage', () => {
  it('lists collectors with their counts and jobs with escaped links', () => {
    const view = new FixedAllocationView();
    view.setCollectors(['col-a', '<b>evil</b>']);
    view.assign('my job/<x>', 'col-a', [makeTarget('my job/<x>', 'h:1'), makeTarget('j', 'h:2')]);
    view.assign('my job/<x>', '<b>evil</b>', [makeTarget('my job/<x>', 'h:3')]);
    const html = renderHumanPage({ view, strategy: 'consistent-hashing', ready: true });
    expect(html).not.toContain('<b>evil</b>');
    expect(html).toContain('&lt;b&gt;evil&lt;/b&gt;');
    expect(html).toContain('href="/jobs/my+job%2F%3Cx%3E/targets"');
    expect(html).toContain('>my job/&lt;x&gt;</a>');
    expect(html).toMatch(/col-a<\/td><td class="num">2<\/td>/);
    expect(html).not.toMatch(/<script|src=|https?:\/\//);
  });
});
