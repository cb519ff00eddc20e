#!/usr/bin/env node
// `node bench/grid/run.mjs [--runs 5]`: issue 7, item 4. Builds the two pages (build.mjs), then
// in headless Chromium (1280x800) measures, in one run and per variant:
//   (a) ours-100k: src/renderer/src/components/user-table.tsx (tanstack virtual), 100,000 rows
//   (b) rac-100k:  react-aria-components Table in Virtualizer + TableLayout, 100,000 rows
//   (c) rac-1k:    the same react-aria page at 1,000 rows (scaling baseline)
// mount time, JS heap after mount, two scroll runs (frame times from rAF), select-all (Ctrl+A)
// and 200 x ArrowDown; then a short keyboard-behaviour probe and the ARIA roles of each.
// Pages are file:// URLs: nothing listens on any port. Every wait is bounded.
import { cpus, loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { buildPages } from './build.mjs';

const argRuns = process.argv.indexOf('--runs');
const RUNS = argRuns > 0 ? Math.max(1, Math.min(20, Number(process.argv[argRuns + 1]) || 5)) : 5;
const ROW_H = 24;
const FAST = { rows: 20_000, frames: 180 }; // ~3 s at 60 Hz, ~111 rows a frame
const WHEEL = { rows: 4, frames: 120 }; // 4 rows (96 px) a frame for ~2 s: a steady wheel scroll

const urls = await buildPages();
const VARIANTS = [
  { name: 'ours-100k', url: urls.ours, n: 100_000 },
  { name: 'rac-100k', url: urls.rac, n: 100_000 },
  { name: 'rac-1k', url: urls.rac, n: 1_000 },
];
// --all: two more ways to write the react-aria page, to show what the port must get right.
if (process.argv.includes('--all')) {
  VARIANTS.push(
    { name: 'rac-100k-uncontrolled', url: urls.rac, n: 100_000, opts: { selection: 'uncontrolled' } },
    { name: 'rac-100k-unmemoised', url: urls.rac, n: 100_000, opts: { memo: false } },
  );
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const withTimeout = (p, ms, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), ms))]);

async function openPage(v) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(60_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(v.url);
  const cdp = await ctx.newCDPSession(page);
  const heapMB = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    return usedSize / 2 ** 20;
  };
  await page.evaluate(([n, opts]) => window.bench.prepare(n, opts), [v.n, v.opts ?? {}]);
  return { ctx, page, heapMB, errors };
}

async function settle(page) {
  await page.evaluate(async () => {
    for (let i = 0; i < 3; i++) await window.bench.afterPaint();
  });
  await page.waitForTimeout(300);
}

function frameStats(d) {
  const s = [...d].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { p50: q(0.5), p95: q(0.95), max: s.at(-1) ?? NaN, over50: d.filter((x) => x > 50).length };
}

async function measure(v) {
  const { ctx, page, heapMB, errors } = await openPage(v);
  try {
    const r = {};
    r.heapDataMB = await heapMB();
    r.mountMs = await page.evaluate(() => window.bench.mount());
    await settle(page);
    r.heapMB = await heapMB();
    r.heapGridMB = r.heapMB - r.heapDataMB;
    Object.assign(
      r,
      await page.evaluate(() => {
        const grid = document.querySelector('[role="grid"]');
        return { domRows: document.querySelectorAll('[role="row"][aria-rowindex]').length, domNodes: grid ? grid.querySelectorAll('*').length : 0 };
      }),
    );
    for (const [key, cfg] of [
      ['fast', FAST],
      ['wheel', WHEEL],
    ]) {
      const s = await page.evaluate(
        ({ step, frames, rowH }) => {
          const { el, headerPx } = window.bench.scroller();
          return window.bench.scrollRun(el, step, frames, rowH, headerPx);
        },
        { step: (cfg.rows * ROW_H) / (cfg === FAST ? cfg.frames : 1), frames: cfg.frames, rowH: ROW_H },
      );
      const st = frameStats(s.deltas);
      r[`${key}P50`] = st.p50;
      r[`${key}P95`] = st.p95;
      r[`${key}Max`] = st.max;
      r[`${key}Over50`] = st.over50;
      r[`${key}Blank`] = s.blank;
      r[`${key}Ms`] = s.elapsedMs;
      r[`${key}Frames`] = s.frames;
    }
    await page.evaluate(() => {
      window.bench.scroller().el.scrollTop = 0;
    });
    await settle(page);
    // Focus and select row 0 by clicking its display-name cell, as a user would.
    await page.locator('[role="row"][aria-rowindex="2"]').click({ position: { x: 220, y: 12 } });
    await page.evaluate(() => window.bench.waitFor(() => window.bench.focusedRowIndex() === 0 && window.bench.selectedCountText() === 1, 10_000));
    await settle(page);

    // 200 x ArrowDown: real key presses, timed in the page from the first keydown to the frame showing row 200 focused and selected.
    await page.evaluate(() => {
      const b = window.bench;
      window.__arrow = b.armKeyTimer(
        () => b.focusedRowIndex() === 200 && b.selectedCountText() === 1 && b.rowEl(200)?.getAttribute('aria-selected') === 'true',
        120_000,
      );
      b.lastFrames = b.frameRecorder();
    });
    const tKeys = Date.now();
    let pressed = 0;
    for (; pressed < 200 && Date.now() - tKeys < 90_000; pressed++) await page.keyboard.press('ArrowDown');
    const arrow = pressed === 200 ? await withTimeout(page.evaluate(() => window.__arrow), 150_000, 'arrow') : { ms: null };
    r.arrowKeysIn90s = pressed;
    const arrowFrames = frameStats(await page.evaluate(() => window.bench.lastFrames.stop()));
    r.arrowMs = arrow.ms;
    r.arrowPerKeyMs = arrow.ms === null ? null : arrow.ms / 200;
    r.arrowMaxFrame = arrowFrames.max;
    await settle(page);

    // Select all: Ctrl+A, from keydown to the frame where the count says n and every rendered row is selected.
    await page.evaluate((n) => {
      const b = window.bench;
      window.__all = b.armKeyTimer(() => b.selectedCountText() === n && b.allRenderedSelected());
    }, v.n);
    await page.keyboard.press('Control+a');
    r.selectAllMs = (await withTimeout(page.evaluate(() => window.__all), 60_000, 'select all')).ms;
    // ...and one fast scroll with everything selected (rows must render their selected state).
    r.errors = errors.length;
    return r;
  } finally {
    await ctx.close();
  }
}

// ---- behaviour probe (not timed) ----
async function probe(v) {
  const { ctx, page } = await openPage(v);
  try {
    await page.evaluate(() => window.bench.mount());
    await settle(page);
    const roles = await page.evaluate(() => {
      const g = document.querySelector('[role="grid"]');
      const attrs = (el, names) => Object.fromEntries(names.map((a) => [a, el?.getAttribute(a)]).filter(([, x]) => x !== null && x !== undefined));
      const row = document.querySelector('[role="row"][aria-rowindex="2"]');
      const header = document.querySelector('[role="row"][aria-rowindex="1"]') ?? document.querySelector('[role="columnheader"]')?.closest('[role="row"]');
      return {
        grid: attrs(g, ['role', 'aria-label', 'aria-rowcount', 'aria-colcount', 'aria-multiselectable', 'tabindex']),
        headerCells: [...(header?.querySelectorAll('[role]') ?? [])].filter((e) => e.closest('[role="row"]') === header && e.getAttribute('role') !== 'presentation').map((e) => e.getAttribute('role')).join(','),
        row: attrs(row, ['role', 'aria-rowindex', 'aria-selected', 'tabindex', 'aria-labelledby']),
        rowCells: [...(row?.children ?? [])].map((e) => e.getAttribute('role')).join(','),
        rowCheckbox: row?.querySelector('input[type="checkbox"]') ? 'input[type=checkbox] (' + (row.querySelector('input[type="checkbox"]').getAttribute('aria-label') ?? '') + ')' : 'none (decorative span)',
      };
    });
    const state = () =>
      page.evaluate(async () => {
        for (let i = 0; i < 2; i++) await window.bench.afterPaint();
        const a = document.activeElement;
        return {
          focus: window.bench.focusedRowIndex(),
          selected: window.bench.selectedCountText(),
          on: a?.getAttribute('role') ?? a?.tagName.toLowerCase(),
        };
      });
    const steps = [];
    const step = async (label, act) => {
      await act();
      await page.waitForTimeout(150);
      steps.push({ label, ...(await state()) });
    };
    await step('click row 0', () => page.locator('[role="row"][aria-rowindex="2"]').click({ position: { x: 220, y: 12 } }));
    await step('ArrowDown', () => page.keyboard.press('ArrowDown'));
    await step('Shift+ArrowDown x2', async () => {
      await page.keyboard.press('Shift+ArrowDown');
      await page.keyboard.press('Shift+ArrowDown');
    });
    await step('Ctrl+ArrowDown', () => page.keyboard.press('Control+ArrowDown'));
    await step('Ctrl+Space', () => page.keyboard.press('Control+Space'));
    await step('Space', () => page.keyboard.press('Space'));
    await step('Ctrl+click row 6', () => page.locator('[role="row"][aria-rowindex="8"]').click({ position: { x: 220, y: 12 }, modifiers: ['Control'] }));
    await step('Shift+click row 9', () => page.locator('[role="row"][aria-rowindex="11"]').click({ position: { x: 220, y: 12 }, modifiers: ['Shift'] }));
    await step('Escape', () => page.keyboard.press('Escape'));
    await step('type "user000050"', () => page.keyboard.type('user000050', { delay: 20 }));
    await step('ArrowRight', () => page.keyboard.press('ArrowRight'));
    await step('ArrowDown (after Right)', () => page.keyboard.press('ArrowDown'));
    await step('PageDown', () => page.keyboard.press('PageDown'));
    await step('End', () => page.keyboard.press('End'));
    await step('Ctrl+End', () => page.keyboard.press('Control+End'));
    await step('Home', () => page.keyboard.press('Home'));
    await step('Ctrl+Home', () => page.keyboard.press('Control+Home'));
    await step('Ctrl+A', () => page.keyboard.press('Control+a'));
    await step('Escape', () => page.keyboard.press('Escape'));
    return { roles, steps };
  } finally {
    await ctx.close();
  }
}

// ---- run ----
const results = Object.fromEntries(VARIANTS.map((v) => [v.name, []]));
const t0 = Date.now();
const loadStart = loadavg()[0];
for (let run = 0; run < RUNS; run++) {
  // Rotate the order so no variant always runs first (or last) on a warm or tired machine.
  for (let k = 0; k < VARIANTS.length; k++) {
    const v = VARIANTS[(run + k) % VARIANTS.length];
    try {
      const r = await withTimeout(measure(v), 400_000, `${v.name} run ${run + 1}`);
      results[v.name].push(r);
      process.stderr.write(`run ${run + 1}/${RUNS} ${v.name}: mount ${r.mountMs?.toFixed(0)} ms, heap ${r.heapMB.toFixed(1)} MB, fast p95 ${r.fastP95.toFixed(1)} ms\n`);
    } catch (e) {
      process.stderr.write(`run ${run + 1}/${RUNS} ${v.name}: FAILED ${e.message.split('\n')[0]}\n`);
    }
  }
}
const loadEnd = loadavg()[0];
const probes = {};
for (const v of VARIANTS.slice(0, 2)) {
  try {
    probes[v.name] = await withTimeout(probe(v), 180_000, `probe ${v.name}`);
  } catch (e) {
    probes[v.name] = { error: e.message.split('\n')[0] };
  }
}
await browser.close();

// ---- print ----
const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const best = (xs, higherIsBetter) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
  return s.length ? (higherIsBetter ? Math.max(...s) : Math.min(...s)) : NaN;
};
const fmt = (x, d) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : 'n/a');

// Rows where more is better (their 'best' is the highest run).
const HIGHER_IS_BETTER = new Set(['fastFrames', 'wheelFrames', 'arrowKeysIn90s']);
const METRICS = [
  ['mountMs', 'first render (ms)', 0],
  ['heapMB', 'JS heap after mount (MB)', 1],
  ['heapGridMB', '  of which grid, over the data (MB)', 1],
  ['domRows', 'rows in DOM after mount', 0],
  ['domNodes', 'elements in the grid', 0],
  ['fastP50', `fast scroll ${FAST.rows.toLocaleString('en-US')} rows/${FAST.frames} fr: frame p50 (ms)`, 1],
  ['fastP95', '  frame p95 (ms)', 1],
  ['fastMax', '  frame max (ms)', 1],
  ['fastOver50', '  frames > 50 ms', 0],
  ['fastBlank', '  frames with rows still missing 1 frame after the scroll', 0],
  ['fastFrames', '  frames completed (15 s cap)', 0],
  ['fastMs', '  wall time (ms)', 0],
  ['wheelP50', `wheel scroll ${WHEEL.rows} rows/fr x ${WHEEL.frames}: frame p50 (ms)`, 1],
  ['wheelP95', '  frame p95 (ms)', 1],
  ['wheelMax', '  frame max (ms)', 1],
  ['wheelOver50', '  frames > 50 ms', 0],
  ['wheelBlank', '  frames with rows still missing 1 frame after the scroll', 0],
  ['wheelFrames', '  frames completed (15 s cap)', 0],
  ['selectAllMs', 'Ctrl+A to painted (ms)', 1],
  ['arrowMs', '200 x ArrowDown, first key to painted (ms)', 0],
  ['arrowPerKeyMs', '  per key (ms)', 1],
  ['arrowKeysIn90s', '  keys pressed (of 200, 90 s cap)', 0],
  ['arrowMaxFrame', '  longest frame meanwhile (ms)', 1],
];
const names = VARIANTS.map((v) => v.name);
const counts = names.map((n) => results[n].length);
const header = ['metric (median / best of ' + RUNS + ')', ...names, 'rac-100k / ours'];
const rows = METRICS.map(([key, label, d]) => {
  const meds = names.map((n) => median(results[n].map((r) => r[key])));
  const cells = names.map((n, i) => `${fmt(meds[i], d)} / ${fmt(best(results[n].map((r) => r[key]), HIGHER_IS_BETTER.has(key)), d)}`);
  const ratio = meds[0] > 0 ? `${fmt(meds[1] / meds[0], 1)}x` : '';
  return [label, ...cells, ratio];
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cols) => '| ' + cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
console.log(`grid benchmark: headless Chromium ${browser.version?.() ?? ''} (software raster), 1280x800, row ${ROW_H}px, ${RUNS} runs (${counts.join('/')} completed), ${((Date.now() - t0) / 1000).toFixed(0)} s, ${cpus().length} CPUs, load average ${loadStart.toFixed(1)} at start / ${loadEnd.toFixed(1)} at end`);
console.log(line(header));
console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
for (const r of rows) console.log(line(r));
const errs = names.map((n) => results[n].reduce((a, r) => a + (r.errors ?? 0), 0));
if (errs.some((e) => e > 0)) console.log(`page errors: ${names.map((n, i) => `${n} ${errs[i]}`).join(', ')}`);

console.log('\nkeyboard and pointer behaviour at 100,000 rows (focused row index / selected count / focused element role):');
const labels = probes[names[0]]?.steps?.map((s) => s.label) ?? [];
const bh = ['step', names[0], names[1]];
const brows = labels.map((l, i) => [l, ...names.slice(0, 2).map((n) => { const s = probes[n]?.steps?.[i]; return s ? `${s.focus ?? '-'} / ${s.selected} / ${s.on}` : probes[n]?.error ?? 'n/a'; })]);
const bw = bh.map((h, i) => Math.max(h.length, ...brows.map((r) => r[i].length)));
const bline = (cols) => '| ' + cols.map((c, i) => c.padEnd(bw[i])).join(' | ') + ' |';
console.log(bline(bh));
console.log('|' + bw.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of brows) console.log(bline(r));
console.log('\nARIA structure:');
for (const n of names.slice(0, 2)) console.log(`${n}: ${JSON.stringify(probes[n]?.roles ?? probes[n]?.error)}`);
console.log(JSON.stringify({ runs: RUNS, medians: Object.fromEntries(names.map((n) => [n, Object.fromEntries(METRICS.map(([k]) => [k, median(results[n].map((r) => r[k]))]))])) }));
