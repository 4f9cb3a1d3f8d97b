// `rollout history <endpoint>` drawn two ways: lines for the terminal, and one self-contained HTML page with
// a uPlot chart of each version's traffic share and a table of the decisions. The page loads nothing from the
// network (uPlot is inlined, a CSP forbids the rest) and everything from events or people is escaped.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { stackActor } from '#shared/rollout/decision-events.ts';
import type { HistoryEntryView, HistoryMark, HistoryView, TrafficPoint } from './history-view.ts';

/** The actor of the stack's own decisions; any other actor is a person and is named. */

/** Line colours by version, in the order of the version numbers: none of them is a mark's red, blue or grey. */
export const seriesPalette = ['#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'] as const;

export const markColours = {
  alarm: '#d62728',
  operator: '#1f77b4',
  decision: '#7f7f7f',
} as const satisfies Record<HistoryMark['kind'], string>;

/** Where the chart's canvas sits on the page, in CSS pixels; fixed so that a screenshot can be read. */
export const chartFrame = { left: 24, top: 88, width: 900, height: 320 } as const;

const markSymbols = { alarm: '!', operator: '@', decision: '*' } as const satisfies Record<HistoryMark['kind'], string>;
const barCells = 40;

// --- shared by both renderers -------------------------------------------------------------------------------

function utcParts(at: string): { day: string; clock: string } {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return { day: '', clock: at };
  const iso = date.toISOString();
  return { day: iso.slice(0, 10), clock: iso.slice(11, 16) };
}

function versionNumber(label: string): number {
  const digits = /\d+/.exec(label);
  return digits === null ? Number.POSITIVE_INFINITY : Number(digits[0]);
}

/** Every version label that ever had traffic, in version order (v2 before v10). */
function trafficVersions(traffic: readonly TrafficPoint[]): string[] {
  const labels = new Set(traffic.flatMap((point) => Object.keys(point.shares)));
  return [...labels].sort((a, b) => versionNumber(a) - versionNumber(b) || a.localeCompare(b));
}

/** Each version's line colour, by its place among the versions in the traffic. */
export function versionColours(view: HistoryView): Record<string, string> {
  const versions = trafficVersions(view.traffic);
  return Object.fromEntries(
    versions.map((label, index) => [label, seriesPalette[index % seriesPalette.length] ?? seriesPalette[0]]),
  );
}

function shareOf(point: TrafficPoint | undefined, label: string): number {
  return point?.shares[label] ?? 0;
}

function percentText(share: number): string {
  return Number.isInteger(share) ? `${share}%` : `${share.toFixed(1)}%`;
}

/** When the history runs, e.g. `2025-03-11 09:00–09:53 UTC` (the day again at the end if it differs). */
function spanText(view: HistoryView): string {
  const times = [...view.traffic, ...view.marks, ...view.entries]
    .map((item) => item.at)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  const first = times[0];
  const last = times.at(-1);
  if (first === undefined || last === undefined) return 'nothing recorded';
  const from = utcParts(first);
  const to = utcParts(last);
  return `${from.day} ${from.clock}–${to.day === from.day ? '' : `${to.day} `}${to.clock} UTC`;
}

function rolloutSummary(view: HistoryView): string {
  const count = `${view.rollouts.length} rollout${view.rollouts.length === 1 ? '' : 's'}`;
  if (view.rollouts.length === 0) return count;
  return `${count}: ${view.rollouts.map((rollout) => `v${rollout.version} ${rollout.phase}`).join(', ')}`;
}

// --- the terminal --------------------------------------------------------------------------------------------

/** Notes come from events and people: a control character could move the cursor or recolour the terminal. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

/** Lines for items in time order, with the day on a line of its own before the first item of each day. */
function dated<T extends { readonly at: string }>(items: readonly T[], lines: (item: T, clock: string) => string[]) {
  const out: string[] = [];
  let shownDay: string | undefined;
  for (const item of items) {
    const { day, clock } = utcParts(item.at);
    if (day !== shownDay && day !== '') out.push(day);
    shownDay = day;
    out.push(...lines(item, clock));
  }
  return out;
}

function entryLine(entry: HistoryEntryView, clock: string): string {
  const who = entry.actor === stackActor ? '' : `   (by ${printable(entry.actor)})`;
  return `${clock.padEnd(5)}  ${printable(`v${entry.version} ${entry.phase}`).padEnd(16)} ${printable(entry.note)}${who}`;
}

function bar(share: number): string {
  const filled = Math.max(0, Math.min(barCells, Math.round((share / 100) * barCells)));
  return `${'█'.repeat(filled)}${'░'.repeat(barCells - filled)}`;
}

/** The versions a point shows: those serving, and those that just stopped (so the drop to 0% is seen). */
function shownVersions(versions: readonly string[], point: TrafficPoint, previous: TrafficPoint | undefined) {
  return versions.filter((label) => shareOf(point, label) > 0 || shareOf(previous, label) > 0);
}

function trafficLines(view: HistoryView): string[] {
  const versions = trafficVersions(view.traffic);
  const labelWidth = Math.max(...versions.map((label) => printable(label).length), 2);
  const rows = view.traffic.map((point, index) => ({ point, previous: view.traffic[index - 1], at: point.at }));
  return dated(rows, ({ point, previous }, clock) =>
    shownVersions(versions, point, previous).map(
      (label, row) =>
        `${(row === 0 ? clock : '').padEnd(5)}  ${printable(label).padEnd(labelWidth)} ${bar(shareOf(point, label))} ${percentText(shareOf(point, label)).padStart(5)}`,
    ),
  );
}

function markLine(mark: HistoryMark, clock: string): string {
  return `${clock.padEnd(5)}  ${markSymbols[mark.kind]} ${mark.kind.padEnd(8)} ${printable(mark.label)}`;
}

/** `rollout history` for the terminal: the decisions, then each version's share over time, then the marks. */
export function historyLines(view: HistoryView): string[] {
  const header = `${printable(view.endpointName)}: rollout history, ${printable(rolloutSummary(view))} (times in UTC)`;
  const decisions =
    view.entries.length === 0
      ? ['no decisions recorded']
      : dated(view.entries, (entry, clock) => [entryLine(entry, clock)]);
  const traffic = view.traffic.length === 0 ? ['no traffic recorded'] : trafficLines(view);
  const marks = view.marks.length === 0 ? ['none'] : dated(view.marks, (mark, clock) => [markLine(mark, clock)]);
  const symbolKey = (Object.keys(markSymbols) as HistoryMark['kind'][])
    .map((kind) => `${markSymbols[kind]} ${kind}`)
    .join(', ');
  const evidence = view.evidence.flatMap((verdict) => [
    `${verdict.at.slice(0, 16).replace('T', ' ')}  v${verdict.version} ${verdict.verdict}`,
    ...verdict.report.split('\n').map((line) => `  ${printable(line)}`),
  ]);
  return [
    header,
    '',
    'decisions',
    ...decisions,
    ...(evidence.length === 0
      ? []
      : ['', 'evidence (both variants per metric, as each verdict judged them)', ...evidence]),
    '',
    `traffic share per version (a bar of ${barCells} cells is 100%)`,
    ...traffic,
    '',
    `marks (${symbolKey})`,
    ...marks,
  ];
}

// --- the HTML page -------------------------------------------------------------------------------------------

interface ChartData {
  readonly versions: readonly { readonly label: string; readonly colour: string }[];
  /** Seconds since the epoch, as uPlot's time scale wants them. */
  readonly times: readonly number[];
  /** Per version, its share at each time; null where the version serves nothing and did not just stop. */
  readonly shares: readonly (readonly (number | null)[])[];
  readonly range: readonly [number, number];
  readonly marks: readonly { readonly t: number; readonly kind: HistoryMark['kind']; readonly label: string }[];
  readonly markColours: typeof markColours;
  readonly frame: typeof chartFrame;
}

function epochSeconds(at: string): number {
  return Math.round(new Date(at).getTime() / 1000);
}

/** The first and last moment anything happened, with some room after the last so its state is drawn. */
function timeRange(view: HistoryView): [number, number] {
  const all = [...view.traffic, ...view.marks, ...view.entries]
    .map((item) => epochSeconds(item.at))
    .filter(Number.isFinite);
  if (all.length === 0) return [0, 0];
  const first = Math.min(...all);
  const last = Math.max(...all);
  const room = Math.max(60, Math.round((last - first) * 0.04));
  return [first - room, last + room];
}

function shareSeries(view: HistoryView, label: string): (number | null)[] {
  const atPoints = view.traffic.map((point, index) =>
    shownVersions([label], point, view.traffic[index - 1]).length === 0 ? null : shareOf(point, label),
  );
  // The last weights hold until the end of the chart: a step out to its right edge shows them.
  const last = view.traffic.at(-1);
  const held = last !== undefined && shareOf(last, label) > 0 ? shareOf(last, label) : null;
  return [...atPoints, held];
}

function chartData(view: HistoryView): ChartData {
  const colours = versionColours(view);
  const versions = trafficVersions(view.traffic);
  const range = timeRange(view);
  return {
    versions: versions.map((label) => ({ label, colour: colours[label] ?? seriesPalette[0] })),
    // The chart's right edge ends the last step (timeRange leaves room after the last point).
    times: view.traffic.length === 0 ? [] : [...view.traffic.map((point) => epochSeconds(point.at)), range[1]],
    shares: versions.map((label) => shareSeries(view, label)),
    range,
    marks: view.marks.map((mark) => ({ t: epochSeconds(mark.at), kind: mark.kind, label: mark.label })),
    markColours,
    frame: chartFrame,
  };
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => htmlEscapes[character] ?? character);
}

/** JSON that a `<script>` element cannot be closed by: every `<` is written as \u003c. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function uplotAsset(file: 'uPlot.iife.min.js' | 'uPlot.min.css'): string {
  const text = readFileSync(createRequire(import.meta.url).resolve(`uplot/dist/${file}`), 'utf8');
  // Inlined as is, so it must not end its own element early.
  if (/<\/(script|style)/i.test(text)) throw new Error(`uplot/dist/${file} contains a closing tag`);
  return text;
}

/** An ARN, escaped, that may wrap after its `:` and `/` rather than in the middle of a name. */
function breakable(text: string): string {
  return escapeHtml(text).replace(/([:/])/g, '$1<wbr>');
}

function phaseClass(phase: string): string {
  if (/RolledBack|RollingBack|Failed|Rejected/.test(phase)) return 'bad';
  if (/Completed/.test(phase)) return 'good';
  if (/Paused/.test(phase)) return 'held';
  return '';
}

function entryRows(entries: readonly HistoryEntryView[]): string {
  const rows: string[] = [];
  let shownDay: string | undefined;
  for (const entry of entries) {
    const { day, clock } = utcParts(entry.at);
    if (day !== shownDay && day !== '') rows.push(`<tr class="day"><th colspan="5">${escapeHtml(day)}</th></tr>`);
    shownDay = day;
    const actor = entry.actor === stackActor ? `<span class="stack">${stackActor}</span>` : breakable(entry.actor);
    rows.push(
      `<tr><td class="time">${escapeHtml(clock)}</td><td>v${escapeHtml(String(entry.version))}</td>` +
        `<td class="phase ${phaseClass(entry.phase)}">${escapeHtml(entry.phase)}</td>` +
        `<td class="note">${escapeHtml(entry.note)}</td><td class="actor">${actor}</td></tr>`,
    );
  }
  return rows.join('\n');
}

function legendItems(data: ChartData): string {
  const versions = data.versions.map(
    (version) =>
      `<li><span class="swatch line" style="background:${version.colour}"></span>${escapeHtml(version.label)}</li>`,
  );
  const kinds = (Object.keys(markColours) as HistoryMark['kind'][]).map(
    (kind) => `<li><span class="swatch mark ${kind}" style="background:${markColours[kind]}"></span>${kind}</li>`,
  );
  return [...versions, '<li class="divider" aria-hidden="true"></li>', ...kinds].join('');
}

const pageStyle = `
  html, body { margin: 0; background: #fff; color: #1d2330; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
  main { padding: ${chartFrame.left}px; }
  header { height: ${chartFrame.top - chartFrame.left}px; box-sizing: border-box; overflow: hidden; }
  h1 { margin: 0; font-size: 22px; line-height: 30px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  h1 .what { font-weight: 400; color: #5b6475; }
  header p { margin: 2px 0 0; color: #5b6475; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  #history-chart { width: ${chartFrame.width}px; height: ${chartFrame.height}px; background: #fff; }
  #history-chart .u-legend { display: none; }
  .legend { list-style: none; display: flex; gap: 18px; margin: 10px 0 0; padding: 0; color: #3a4252; }
  .legend li { display: flex; align-items: center; gap: 6px; }
  .swatch { display: inline-block; }
  .swatch.line { width: 18px; height: 3px; }
  .swatch.mark { width: 3px; height: 14px; }
  .legend .divider { width: 1px; height: 16px; background: #d5d9e0; }
  #history-readout { margin: 6px 0 0; min-height: 20px; color: #5b6475; font-variant-numeric: tabular-nums; }
  .empty { width: ${chartFrame.width}px; height: ${chartFrame.height}px; display: flex; align-items: center;
    justify-content: center; color: #5b6475; border: 1px dashed #d5d9e0; box-sizing: border-box; }
  h2 { font-size: 16px; margin: 22px 0 8px; }
  table { border-collapse: collapse; width: 100%; min-width: ${chartFrame.width}px; max-width: 1200px; }
  th, td { text-align: left; vertical-align: top; padding: 4px 10px 4px 0; border-bottom: 1px solid #eceef2; }
  thead th { color: #5b6475; font-weight: 600; border-bottom: 1px solid #c9ced8; }
  tr.day th { padding-top: 10px; color: #5b6475; font-weight: 600; border-bottom: none; }
  td.time { font-variant-numeric: tabular-nums; white-space: nowrap; }
  td.phase { white-space: nowrap; }
  td.phase.bad { color: ${markColours.alarm}; font-weight: 600; }
  td.phase.good { color: #1e7b1e; font-weight: 600; }
  td.phase.held { color: ${markColours.operator}; font-weight: 600; }
  thead th { white-space: nowrap; }
  td.note { overflow-wrap: break-word; }
  td.actor { max-width: 250px; }
  td.actor .stack { color: #8a93a3; }
`;

// Runs in the page: draws the chart from the JSON element with uPlot, the marks as vertical lines (a plugin's
// draw hook, after the series) with their labels stacked above the plot, and a readout of the shares under the cursor.
const pageScript = `
(function () {
  var data = JSON.parse(document.getElementById('history-data').textContent);
  var root = document.getElementById('history-chart');
  if (!root || data.versions.length === 0) return;
  // Room above the plot for four rows of mark labels, clear of a line at 100%.
  var labelRows = 4, rowHeight = 16, labelGap = 4;
  var clock = function (t) { return new Date(t * 1000).toISOString().slice(11, 16); };
  var day = function (t) { return new Date(t * 1000).toISOString().slice(5, 10); };
  // Times in UTC, 24-hour; the day (MM-DD) is added where it changes along the axis.
  function timeValues(u, splits) {
    return splits.map(function (t, i) {
      return i > 0 && day(t) !== day(splits[i - 1]) ? day(t) + ' ' + clock(t) : clock(t);
    });
  }

  function markPlugin() {
    return { hooks: { draw: function (u) {
      var ctx = u.ctx, ratio = uPlot.pxRatio, top = u.bbox.top, bottom = u.bbox.top + u.bbox.height;
      var rowEnds = [];
      ctx.save();
      ctx.font = (12 * ratio) + 'px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'left';
      // Labels go in rows above the plot, each in the first row where it does not overlap the one before it.
      var placed = data.marks.map(function (mark) {
        var x = Math.round(u.valToPos(mark.t, 'x', true));
        var text = clock(mark.t) + ' ' + mark.label;
        var width = ctx.measureText(text).width + 8 * ratio;
        var start = x + width > u.bbox.left + u.bbox.width ? x - width : x;
        var row = 0;
        while (row < labelRows && rowEnds[row] !== undefined && rowEnds[row] > start) row++;
        if (row === labelRows) {
          // Every row is taken here: the label goes after the row that ends first, its line still at x.
          row = 0;
          for (var r = 1; r < labelRows; r++) if (rowEnds[r] < rowEnds[row]) row = r;
          start = rowEnds[row];
        }
        rowEnds[row] = start + width + 6 * ratio;
        var y = top - (labelGap + (labelRows - row - 0.5) * rowHeight) * ratio;
        return { x: x, y: y, start: start, width: width, text: text, colour: data.markColours[mark.kind], kind: mark.kind };
      });
      // Every line first, then every label, so that no line crosses a label's text.
      placed.forEach(function (mark) {
        ctx.strokeStyle = mark.colour;
        ctx.lineWidth = 2 * ratio;
        ctx.setLineDash(mark.kind === 'decision' ? [5 * ratio, 4 * ratio] : []);
        ctx.beginPath();
        ctx.moveTo(mark.x, mark.y);
        ctx.lineTo(mark.x, bottom);
        ctx.stroke();
      });
      placed.forEach(function (mark) {
        ctx.fillStyle = '#fff';
        ctx.fillRect(mark.start, mark.y - 8 * ratio, mark.width, 16 * ratio);
        ctx.fillStyle = mark.colour;
        ctx.fillText(mark.text, mark.start + 4 * ratio, mark.y);
      });
      ctx.restore();
    } } };
  }

  var readout = document.getElementById('history-readout');
  var idle = 'Hover over the chart to read each version\\u2019s share.';
  function showReadout(u) {
    var idx = u.cursor.idx;
    if (idx == null || !readout) { if (readout) readout.textContent = idle; return; }
    var parts = data.versions.map(function (version, i) {
      var share = u.data[i + 1][idx];
      return share == null ? null : version.label + ' ' + share + '%';
    }).filter(function (part) { return part !== null; });
    readout.textContent = new Date(u.data[0][idx] * 1000).toISOString().slice(0, 16).replace('T', ' ') +
      ' UTC \\u00b7 ' + parts.join(' \\u00b7 ');
  }
  if (readout) readout.textContent = idle;

  var opts = {
    width: data.frame.width,
    height: data.frame.height,
    padding: [labelRows * rowHeight + labelGap + 4, 16, 0, 0],
    tzDate: function (t) { return uPlot.tzDate(new Date(t * 1000), 'Etc/UTC'); },
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true, range: function () { return [data.range[0], data.range[1]]; } },
      y: { range: [0, 100] },
    },
    axes: [
      { stroke: '#3a4252', grid: { stroke: '#eceef2' }, ticks: { stroke: '#d5d9e0' }, values: timeValues },
      { stroke: '#3a4252', grid: { stroke: '#eceef2' }, ticks: { stroke: '#d5d9e0' }, size: 52,
        splits: function () { return [0, 25, 50, 75, 100]; },
        values: function (u, splits) { return splits.map(function (v) { return v + '%'; }); } },
    ],
    series: [{ label: 'time (UTC)' }].concat(data.versions.map(function (version) {
      return { label: version.label, stroke: version.colour, width: 2.5, spanGaps: false,
        paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } };
    })),
    plugins: [markPlugin()],
    hooks: { setCursor: [showReadout] },
  };
  new uPlot(opts, [data.times].concat(data.shares), root);
})();
`;

function chartSection(view: HistoryView, data: ChartData): string {
  if (view.traffic.length === 0) {
    return '<div id="history-chart" data-testid="history-chart" class="empty">no traffic recorded</div>';
  }
  return [
    '<div id="history-chart" data-testid="history-chart" role="img" aria-label="traffic share per version over time"></div>',
    `<ul class="legend" data-testid="history-legend">${legendItems(data)}</ul>`,
    '<p id="history-readout" data-testid="history-readout"></p>',
  ].join('\n');
}

function entriesTable(view: HistoryView): string {
  if (view.entries.length === 0) return '<p data-testid="history-entries">no decisions recorded</p>';
  return `<table id="history-entries" data-testid="history-entries">
<thead><tr><th>time (UTC)</th><th>version</th><th>phase</th><th>decision</th><th>by</th></tr></thead>
<tbody>
${entryRows(view.entries)}
</tbody>
</table>`;
}

// Nothing but what is inline may load or run: no network, no frames, no plugins.
const contentPolicy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'";

/** `rollout history` as one self-contained HTML page: the traffic chart with its marks, and the decisions. */
/** Each verdict on the evidence, its report as `rollout status` prints it. */
function evidenceSection(view: HistoryView): string {
  if (view.evidence.length === 0) return '';
  const verdicts = view.evidence.map(
    (verdict) =>
      `<h3>${escapeHtml(verdict.at)} · v${verdict.version} · ${escapeHtml(verdict.verdict)}</h3>\n<pre>${escapeHtml(verdict.report)}</pre>`,
  );
  return `<h2>Evidence</h2>\n${verdicts.join('\n')}`;
}

export function historyPage(view: HistoryView): string {
  const data = chartData(view);
  const name = escapeHtml(view.endpointName);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentPolicy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} · rollout history</title>
<style>${uplotAsset('uPlot.min.css')}</style>
<style>${pageStyle}</style>
</head>
<body>
<main>
<header data-testid="history-header">
<h1>${name} <span class="what">· rollout history</span></h1>
<p>${escapeHtml(rolloutSummary(view))} · ${escapeHtml(spanText(view))} · each version’s share of the traffic</p>
</header>
${chartSection(view, data)}
<h2>Decisions</h2>
${entriesTable(view)}
${evidenceSection(view)}
</main>
<script type="application/json" id="history-data">${scriptJson(data)}</script>
<script>${uplotAsset('uPlot.iife.min.js')}</script>
<script>${pageScript}</script>
</body>
</html>
`;
}
