// Bundles the two benchmark pages into bench/grid/out/ (production React, one classic
// script each so they load from file:// without a server).
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const outDir = join(here, 'out');

export async function buildPages() {
  await mkdir(outDir, { recursive: true });
  const pages = ['ours', 'rac'];
  await build({
    entryPoints: pages.map((p) => join(here, `${p}.tsx`)),
    outdir: outDir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome130',
    jsx: 'automatic',
    minify: true,
    sourcemap: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  for (const p of pages) {
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>grid bench ${p}</title><link rel="stylesheet" href="${p}.css"></head><body><div id="root" style="height:100%;display:flex;flex-direction:column"></div><script src="${p}.js"></script></body></html>`;
    await writeFile(join(outDir, `${p}.html`), html);
  }
  return Object.fromEntries(pages.map((p) => [p, `file://${join(outDir, `${p}.html`)}`]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await buildPages());
