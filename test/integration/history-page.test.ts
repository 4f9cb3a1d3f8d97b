import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartFrame, historyLines, historyPage, markColours, versionColours } from '../../cli/history-page.ts';
import type { HistoryEntryView, HistoryView } from '../../cli/history-view.ts';
import { chromiumPath, screenshot } from '../support/chromium.ts';

const alice = 'arn:aws:iam::123456789012:user/alice';
const at = (clock: string) => `2025-03-11T${clock}:00.000Z`;
const entry = (clock: string, version: number, phase: string, note: string, actor = 'sagemaker-rollout') =>
  ({ at: at(clock), version, phase, note, actor }) satisfies HistoryEntryView;

/** fraud-prod's morning: v2 canaried 10% → 50% → 100% (alice paused it once), v3 rolled back by the 5xx alarm. */
const fraudProd: HistoryView = {
  endpointName: 'fraud-prod',
  rollouts: [
    { version: 2, phase: 'Completed', startedAt: at('09:00') },
    { version: 3, phase: 'RolledBack', startedAt: at('09:45') },
  ],
  traffic: [
    { at: at('09:00'), shares: { v1: 100 } },
    { at: at('09:03'), shares: { v1: 90, v2: 10 } },
    { at: at('09:14'), shares: { v1: 50, v2: 50 } },
    { at: at('09:33'), shares: { v1: 0, v2: 100 } },
    { at: at('09:34'), shares: { v2: 100 } },
    { at: at('09:47'), shares: { v2: 90, v3: 10 } },
    { at: at('09:51'), shares: { v2: 100, v3: 0 } },
  ],
  marks: [
    { at: at('09:20'), kind: 'operator', label: 'paused by alice' },
    { at: at('09:26'), kind: 'operator', label: 'resumed by alice' },
    { at: at('09:34'), kind: 'decision', label: 'v2 completed' },
    { at: at('09:51'), kind: 'alarm', label: 'fraud-prod-5xx in ALARM' },
    { at: at('09:53'), kind: 'decision', label: 'v3 rolled back' },
  ],
  entries: [
    entry('09:00', 2, 'Starting', 'approved package fraud-detector/2: every rule passed'),
    entry('09:02', 2, 'Deploying', 'adding variant fraud-detector-2 (1 × ml.c5.2xlarge)'),
    entry('09:03', 2, 'Baking', 'step 1 of 3: 10%'),
    entry('09:13', 2, 'Baking', 'step 2 of 3: 50%: adding 2 instances to fraud-detector-2 first'),
    entry('09:14', 2, 'Baking', 'traffic 50/50'),
    entry('09:20', 2, 'Baking', `paused by ${alice}`, alice),
    entry('09:26', 2, 'Baking', `resumed by ${alice}`, alice),
    entry('09:33', 2, 'Finalizing', 'step 3 of 3: 100%; retiring fraud-detector-1'),
    entry('09:34', 2, 'Completed', 'v2 serves all traffic; auto scaling moved to fraud-detector-2'),
    entry('09:45', 3, 'Starting', 'approved package fraud-detector/3: every rule passed'),
    entry('09:47', 3, 'Baking', 'step 1 of 3: 10%'),
    entry('09:51', 3, 'RollingBack', 'rolling back: alarm fraud-prod-5xx is in ALARM'),
    entry('09:53', 3, 'RolledBack', 'fraud-detector-2 serves 100% on 6 instances, as before'),
  ],
  evidence: [],
};

/** The same morning with notes that try to break out of the page. */
const hostile: HistoryView = {
  ...fraudProd,
  endpointName: 'fraud-prod<b>',
  marks: [...fraudProd.marks, { at: at('09:55'), kind: 'operator', label: '</script><script>alert(2)</script>' }],
  entries: [
    ...fraudProd.entries,
    entry('09:55', 3, 'RolledBack', 'see <img src=x onerror=alert(1)>', alice),
    entry('09:56', 3, 'RolledBack', 'closing </script><script>alert(3)</script>', alice),
  ],
};

describe('historyLines (the terminal)', () => {
  const lines = historyLines(fraudProd);

  it('starts with a header naming the endpoint and its rollouts', () => {
    expect(lines[0]).toBe('fraud-prod: rollout history, 2 rollouts: v2 Completed, v3 RolledBack (times in UTC)');
  });

  it('lists every decision in time order, the date once, and names a person but not the stack', () => {
    const section = lines.slice(lines.indexOf('decisions') + 1, lines.indexOf('', lines.indexOf('decisions')));
    const decisions = section.filter((line) => line !== '2025-03-11');
    expect(section[0]).toBe('2025-03-11');
    expect(decisions.map((line) => line.slice(0, 5))).toEqual(fraudProd.entries.map((e) => e.at.slice(11, 16)));
    expect(lines.filter((line) => line === '2025-03-11')).toHaveLength(3); // decisions, traffic, marks
    expect(decisions).toContain(`09:20  v2 Baking        paused by ${alice}   (by ${alice})`);
    expect(decisions).toContain('09:03  v2 Baking        step 1 of 3: 10%');
    expect(decisions.filter((line) => line.includes('(by '))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('(by sagemaker-rollout)');
  });

  it('draws each version share as a bar out of 40 cells, and the drop to 0%', () => {
    const bar = (cells: number) => `${'█'.repeat(cells)}${'░'.repeat(40 - cells)}`;
    expect(lines).toContain(`09:00  v1 ${bar(40)}  100%`);
    expect(lines).toContain(`09:03  v1 ${bar(36)}   90%`);
    expect(lines).toContain(`       v2 ${bar(4)}   10%`);
    expect(lines).toContain(`09:14  v1 ${bar(20)}   50%`);
    expect(lines).toContain(`09:51  v2 ${bar(40)}  100%`);
    expect(lines).toContain(`       v3 ${bar(0)}    0%`);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(120);
  });

  it('lists the marks with their symbols', () => {
    expect(lines).toContain('09:51  ! alarm    fraud-prod-5xx in ALARM');
    expect(lines).toContain('09:20  @ operator paused by alice');
    expect(lines).toContain('09:53  * decision v3 rolled back');
  });

  it('prints no control character from a note', () => {
    const sneaky = { ...fraudProd, entries: [entry('09:00', 2, 'Starting', 'ok\u001b[2J\rwiped')] };
    const printed = historyLines(sneaky).join('\n');
    expect(printed).not.toContain('\u001b');
    expect(printed).not.toContain('\r');
    expect(printed).toContain('ok [2J wiped');
  });
});

describe('historyPage (the HTML)', () => {
  const page = historyPage(hostile);

  it('loads nothing from the network and inlines uPlot', () => {
    expect(page).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(page).not.toMatch(/@import|url\(\s*["']?https?:/i);
    expect(page).toContain(readFileSync('node_modules/uplot/dist/uPlot.iife.min.js', 'utf8'));
    expect(page).toContain(readFileSync('node_modules/uplot/dist/uPlot.min.css', 'utf8'));
    expect(page).toContain('data-testid="history-chart"');
    expect(page).toContain('data-testid="history-entries"');
  });

  it('escapes what events and people wrote', () => {
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('see &lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('closing &lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
    expect(page).toContain('<title>fraud-prod&lt;b&gt; · rollout history</title>');
    expect(page).not.toContain('alert(2)</script>');
    // Only the page's own three scripts close: none from the notes.
    expect(page.match(/<\/script>/g)).toHaveLength(3);
    const json = /<script type="application\/json" id="history-data">([^<]*)<\/script>/.exec(page)?.[1] ?? '';
    expect(JSON.parse(json).marks.at(-1).label).toBe('</script><script>alert(2)</script>');
  });

  it('says so when nothing was recorded', () => {
    const empty: HistoryView = {
      endpointName: 'new-endpoint',
      rollouts: [],
      traffic: [],
      marks: [],
      entries: [],
      evidence: [],
    };
    expect(historyLines(empty)).toEqual([
      'new-endpoint: rollout history, 0 rollouts (times in UTC)',
      '',
      'decisions',
      'no decisions recorded',
      '',
      'traffic share per version (a bar of 40 cells is 100%)',
      'no traffic recorded',
      '',
      'marks (! alarm, @ operator, * decision)',
      'none',
    ]);
    expect(historyPage(empty)).toContain('no traffic recorded');
    expect(historyPage(empty)).toContain('no decisions recorded');
  });
});

/** The screenshot's pixels, with a count of those near a colour inside a box. */
function pixels(pngFile: string) {
  const png = PNG.sync.read(readFileSync(pngFile));
  const rgb = (hex: string) => [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16));
  return {
    png,
    countNear(hex: string, box: { left: number; top: number; width: number; height: number }, tolerance = 40) {
      const [r, g, b] = rgb(hex);
      let count = 0;
      for (let y = box.top; y < Math.min(box.top + box.height, png.height); y++) {
        for (let x = box.left; x < Math.min(box.left + box.width, png.width); x++) {
          const i = (y * png.width + x) * 4;
          const distance =
            Math.abs((png.data[i] ?? 0) - (r ?? 0)) +
            Math.abs((png.data[i + 1] ?? 0) - (g ?? 0)) +
            Math.abs((png.data[i + 2] ?? 0) - (b ?? 0));
          if (distance <= tolerance) count++;
        }
      }
      return count;
    },
  };
}

describe('historyPage in headless Chromium', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sagemaker-rollout-history-'));
  const htmlFile = join(scratch, 'history.html');
  const pngFile = join(scratch, 'history.png');
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  beforeAll(async () => {
    await chromiumPath(); // the first run may install Debian's chromium
    writeFileSync(htmlFile, historyPage(fraudProd));
    await screenshot(htmlFile, pngFile, { width: 1000, height: 1000 });
  }, 300_000);

  it('draws the chart: each version line and the alarm mark in their colours', () => {
    const { png, countNear } = pixels(pngFile);
    expect([png.width, png.height]).toEqual([1000, 1000]);
    expect(countNear('#ffffff', { left: 0, top: 0, width: png.width, height: png.height })).toBeLessThan(
      png.width * png.height * 0.99,
    );
    for (const [version, colour] of Object.entries(versionColours(fraudProd))) {
      expect(countNear(colour, chartFrame), `${version} ${colour}`).toBeGreaterThan(40);
    }
    expect(countNear(markColours.alarm, chartFrame)).toBeGreaterThan(40);
    expect(countNear(markColours.operator, chartFrame)).toBeGreaterThan(40);
    expect(countNear(markColours.decision, chartFrame)).toBeGreaterThan(40);
  });
});
