import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDownloads } from './downloads';

const repo = join(import.meta.dirname, '..', '..');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function freshRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'gp-downloads-test-'));
  roots.push(r);
  return r;
}

/**
 * A browser host's downloads in another process: one export written and waiting for its
 * download, then the process waits for ever (until the test kills it). Resolves with its folder.
 */
async function hostWithPendingDownload(root: string): Promise<{ child: ChildProcessWithoutNullStreams; folder: string }> {
  const code = `
    import { writeFile } from 'node:fs/promises';
    import { dirname } from 'node:path';
    import { createDownloads } from './src/web/downloads.ts';
    setInterval(() => {}, 1 << 30);
    const downloads = createDownloads('', { root: ${JSON.stringify(root)} });
    const path = await downloads.reserve('pdf');
    await writeFile(path, '%PDF- sign-in codes');
    console.log('FOLDER ' + dirname(path));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = /FOLDER (\S+)/.exec(out);
    if (m) return { child, folder: m[1]! };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the host did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function sigkill(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe('download folders left by a browser host that was killed', () => {
  it('are removed, with the exports waiting in them, by the next host', async () => {
    const root = freshRoot();
    const { child, folder } = await hostWithPendingDownload(root);
    await sigkill(child);
    // SIGKILL left the export (sign-in credentials) behind.
    expect(readdirSync(folder)).toHaveLength(1);
    const next = createDownloads('', { root });
    const path = await next.reserve('zip');
    expect(existsSync(folder)).toBe(false);
    expect(readdirSync(root)).toEqual([path.split('/').at(-2)]);
    await next.close();
    expect(readdirSync(root)).toEqual([]);
  });

  it('are left alone while their host still runs', async () => {
    const root = freshRoot();
    const { child, folder } = await hostWithPendingDownload(root);
    try {
      const next = createDownloads('', { root });
      await next.reserve('pdf');
      expect(readdirSync(folder)).toHaveLength(1);
      await next.close();
      expect(readdirSync(root)).toEqual([folder.split('/').at(-1)]);
    } finally {
      await sigkill(child);
    }
  });

  it('of an older version (no process id in the name) go after a day untouched; other folders stay', async () => {
    const root = freshRoot();
    const old = join(root, 'gatepass-downloads-Ab12Cd');
    const recent = join(root, 'gatepass-downloads-Ef34Gh');
    const other = join(root, 'gatepass-mail-Ij56Kl');
    for (const d of [old, recent, other]) mkdirSync(d);
    const dayOld = (Date.now() - 25 * 3600_000) / 1000;
    for (const d of [old, other]) utimesSync(d, dayOld, dayOld);
    const next = createDownloads('', { root });
    const mine = await next.reserve('pdf');
    expect(statSync(root).isDirectory()).toBe(true);
    expect(readdirSync(root).sort()).toEqual(['gatepass-downloads-Ef34Gh', 'gatepass-mail-Ij56Kl', mine.split('/').at(-2)!].sort());
    await next.close();
  });
});
