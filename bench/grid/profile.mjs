#!/usr/bin/env node
// `node bench/grid/profile.mjs [ours|rac] [rows] [arrow|wheel|selectall|mount] [controlled|uncontrolled]`: where the time
// goes. Builds unminified copies of the pages into out/profile/, runs one action under the
// CDP sampling profiler and prints the functions with the most self time (bounded: one action).
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const [which = 'rac', nArg = '1000', action = 'arrow', selection = 'controlled'] = process.argv.slice(2);
const n = Math.min(200_000, Number(nArg) || 1000);
const dir = join(here, 'out', 'profile');
await mkdir(dir, { recursive: true });
await build({
  entryPoints: [join(here, `${which}.tsx`)],
  outdir: dir,
  bundle: true,
  format: 'iife',
  jsx: 'automatic',
  minify: false,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
await writeFile(join(dir, `${which}.html`), `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${which}.css"></head><body><div id="root" style="height:100%;display:flex;flex-direction:column"></div><script src="${which}.js"></script></body></html>`);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`file://${join(dir, `${which}.html`)}`);
  await page.evaluate(([k, sel]) => window.bench.prepare(k, { selection: sel }), [n, selection]);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  if (action === 'mount') await cdp.send('Profiler.start');
  await page.evaluate(() => window.bench.mount());
  await page.waitForTimeout(300);
  if (action !== 'mount') {
    await page.locator('[role="row"][aria-rowindex="2"]').click({ position: { x: 220, y: 12 } });
    await page.waitForTimeout(300);
    await cdp.send('Profiler.start');
  }
  const t = Date.now();
  if (action === 'arrow') for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowDown');
  if (action === 'selectall') await page.keyboard.press('Control+a');
  if (action === 'wheel')
    await page.evaluate(() => {
      const { el, headerPx } = window.bench.scroller();
      return window.bench.scrollRun(el, 96, 20, 24, headerPx);
    });
  await page.evaluate(() => window.bench.afterPaint());
  const wall = Date.now() - t;
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const dt = profile.timeDeltas;
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const counts = new Map();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const total = profile.endTime - profile.startTime;
  const per = total / profile.samples.length;
  for (const [id, c] of counts) {
    const cf = byId.get(id).callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url ? cf.url.split('/').pop() : ''}:${cf.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + c * per);
  }
  void dt;
  console.log(`${which} ${n} rows, ${action} (${selection}): ${wall} ms wall, ${(total / 1000).toFixed(0)} ms profiled; top self time (ms):`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(v / 1000).toFixed(1).padStart(8)}  ${k}`);
} finally {
  await browser.close();
}
