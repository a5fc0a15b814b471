import type { HandoffStatus } from '../handoff/handoff-coordinator.js';
import type { AllocationView } from '../model.js';
import { jobTargetsLink } from './http-sd-json.js';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface HumanPageInput {
  readonly view: AllocationView;
  readonly strategy: string;
  readonly ready: boolean;
  readonly handoff?: HandoffStatus | undefined;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1d1d1f;max-width:70rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #ddd}
td.num{text-align:right;font-variant-numeric:tabular-nums;width:6rem}
.bar{background:#e8eef7;height:.9rem;position:relative}.bar span{display:block;height:100%;background:#3b6fb6}
.mean{position:absolute;top:-2px;bottom:-2px;width:2px;background:#c0392b}
.summary span{margin-right:1.5rem}code{background:#f3f3f3;padding:0 .2rem}`;

function collectorRows(view: AllocationView): { rows: string; mean: number; max: number } {
  const counts = view.targetCountsByCollector();
  const ids = view.collectorIds();
  let total = 0;
  let max = 0;
  for (const id of ids) {
    const n = counts.get(id) ?? 0;
    total += n;
    max = Math.max(max, n);
  }
  const mean = ids.length === 0 ? 0 : total / ids.length;
  const scale = Math.max(max, 1);
  const meanPct = ((mean / scale) * 100).toFixed(2);
  const rows = ids
    .map((id) => {
      const n = counts.get(id) ?? 0;
      const pct = ((n / scale) * 100).toFixed(2);
      const ratio = mean === 0 ? '' : `${((n / mean) * 100).toFixed(0)}%`;
      return (
        `<tr><td>${escapeHtml(id)}</td><td class="num">${n}</td><td class="num">${ratio}</td>` +
        `<td><div class="bar" role="img" aria-label="${n} targets"><span style="width:${pct}%"></span>` +
        `<i class="mean" style="left:${meanPct}%"></i></div></td></tr>`
      );
    })
    .join('\n');
  return { rows, mean, max };
}

function jobRows(view: AllocationView): string {
  return view
    .jobNames()
    .map((job) => {
      const href = escapeHtml(jobTargetsLink(job));
      return `<tr><td><a href="${href}">${escapeHtml(job)}</a></td><td class="num">${view.targetCount(job)}</td></tr>`;
    })
    .join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** Why targets may be briefly unscraped: the holds in progress, and the handoffs so far. */
function handoffSection(status: HandoffStatus | undefined): string {
  if (status === undefined) return '';
  const held = [...status.heldByJob]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([job, n]) => `<tr><td>${escapeHtml(job)}</td><td class="num">${n}</td></tr>`)
    .join('\n');
  const completed = [...status.completed]
    .map(([reason, n]) => `<span>${escapeHtml(reason.replaceAll('_', ' '))}: ${n}</span>`)
    .join('');
  const names = (ids: readonly string[]): string =>
    ids.length === 0 ? 'none' : ids.map((id) => `<code>${escapeHtml(id)}</code>`).join(' ');
  const { settings } = status;
  return `<h2>Handoffs</h2>
<p>A target moved between two running collectors is served to its new owner only once the old one
has stopped scraping it and written its staleness markers, so no interval is scraped twice.</p>
<p class="summary"><span>${status.held} targets held back</span>
<span>oldest hold ${seconds(status.oldestHoldAgeMs)}</span>
<span>refresh interval ${seconds(settings.refreshIntervalMs)}</span>
<span>silence timeout ${settings.silenceMs === 0 ? 'off' : seconds(settings.silenceMs)}</span></p>
<p class="summary">handed over since start: ${completed}</p>
<p>silent collectors (left out until they poll again): ${names(status.silentCollectors)};
departed, waiting for a successor of the same name: ${names(status.departingCollectors)}</p>
${held === '' ? '' : `<table><thead><tr><th>job</th><th class="num">held</th></tr></thead><tbody>\n${held}\n</tbody></table>`}`;
}

/**
 * The page a person opens at `/`: the collector pool with each collector's share of the targets as
 * a bar (the red mark is the mean, so imbalance is visible at a glance) and the jobs with links to
 * their targets. Self-contained: no scripts, no external assets; every name is escaped.
 */
export function renderHumanPage(input: HumanPageInput): string {
  const { view } = input;
  const collectors = collectorRows(view);
  const jobs = view.jobNames();
  let assigned = 0;
  for (const n of view.targetCountsByCollector().values()) assigned += n;
  const spread = collectors.mean === 0 ? 'n/a' : (collectors.max / collectors.mean).toFixed(3);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>otel-ta allocator</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body>
<h1>otel-ta target allocator</h1>
<p class="summary"><span>strategy <code>${escapeHtml(input.strategy)}</code></span>
<span>${input.ready ? 'ready' : 'not ready'}</span>
<span>${assigned} targets assigned</span><span>${view.unassignedCount()} unassigned</span>
<span>${view.collectorIds().length} collectors</span><span>${jobs.length} jobs</span>
<span>max/mean load ${spread}</span></p>
<h2>Collectors</h2>
<table><thead><tr><th>collector</th><th class="num">targets</th><th class="num">of mean</th><th>balance</th></tr></thead>
<tbody>
${collectors.rows}
</tbody></table>
<h2>Jobs</h2>
<table><thead><tr><th>job (targets per collector, JSON)</th><th class="num">targets</th></tr></thead>
<tbody>
${jobRows(view)}
</tbody></table>
${handoffSection(input.handoff)}
<p>API: <a href="/jobs">/jobs</a> · <a href="/scrape_configs">/scrape_configs</a> · <a href="/metrics">/metrics</a> · <a href="/readyz">/readyz</a></p>
</body></html>
`;
}
