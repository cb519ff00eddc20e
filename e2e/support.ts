import { expect, type Browser, type Locator, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cli = join(root, 'out', 'main', 'cli.js');

export interface Started {
  proc: ChildProcess;
  match: RegExpMatchArray;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts one of the project's own commands (`gatepass server`, `gatepass console`) and waits
 * for the line that says it is ready, so tests use exactly what a user runs.
 */
export function startCli(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 60_000): Promise<Started> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`gatepass ${args[0]} did not become ready in ${timeoutMs} ms. Output:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve({
          proc,
          match: m,
          output: () => out,
          stop: () =>
            new Promise<void>((res) => {
              if (proc.exitCode !== null) return res();
              proc.once('exit', () => res());
              proc.kill('SIGTERM');
              setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
            }),
        });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gatepass ${args[0]} exited early with ${code}. Output:\n${out}`));
    });
  });
}

export const ADMIN_PASSWORD = 'Quiet-Harbour-2026!';

/** A Gatepass server and a browser-host console (no embedded server), each a real `gatepass` process. */
export interface Stack {
  work: string;
  serverUrl: string;
  consoleUrl: string;
  stop: () => Promise<void>;
}

/**
 * Starts `gatepass server` on a fresh SQLite file with `users` demo users (and any more options,
 * given the work folder, e.g. `--mail-folder`) and `gatepass console` with its own user data
 * folder, in a temporary folder removed by stop().
 */
export async function startStack(name: string, users: number, opts: { serverArgs?: (work: string) => string[] } = {}): Promise<Stack> {
  const work = mkdtempSync(join(tmpdir(), 'gatepass-e2e-'));
  const server = await startCli(
    ['server', '--db', join(work, 'server.sqlite'), '--port', '0', '--seed-demo', String(users), '--name', name, ...(opts.serverArgs?.(work) ?? [])],
    { GATEPASS_ADMIN_PASSWORD: ADMIN_PASSWORD },
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  const consoleHost = await startCli(
    ['console', '--port', '0', '--no-embedded'],
    { GATEPASS_USER_DATA: join(work, 'console-data') },
    /Gatepass console: (http:\/\/127\.0\.0\.1:\d+\/\S*)/,
  ).catch(async (err: unknown) => {
    await server.stop();
    throw err;
  });
  return {
    work,
    serverUrl: server.match[1]!,
    consoleUrl: consoleHost.match[1]!,
    stop: async () => {
      await consoleHost.stop();
      await server.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Adds a server through the Add server dialog, as an administrator would, and opens its Users. */
export async function addServerInUi(page: Page, name: string, serverUrl: string): Promise<void> {
  await page.getByRole('button', { name: 'Add server' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add server' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Server URL').fill(serverUrl);
  await dialog.getByLabel('Login').fill('admin');
  await dialog.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(dialog).toBeHidden();
  const tree = page.getByRole('tree');
  await expect(tree.getByRole('treeitem', { name }).first()).toBeVisible();
  const usersNode = tree.getByRole('treeitem', { name: 'Users' }).first();
  if (!(await usersNode.isVisible())) await tree.getByRole('treeitem', { name }).first().press('ArrowRight');
  await usersNode.click();
}

/**
 * The console of `stack` in a browser context of its own (1280×800, downloads allowed), at its
 * home page, with `server` added through the UI and its Users open when a name is given. The
 * spec closes it with `page.context().close()`.
 */
export async function openConsole(browser: Browser, stack: Stack, server?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(stack.consoleUrl);
  await expect(page).toHaveURL(/\/$/);
  if (server) await addServerInUi(page, server, stack.serverUrl);
  return page;
}

/** Chooses a React Aria radio by its label (its input is visually hidden, so it is the label that takes the click). */
export async function chooseRadio(scope: Locator, name: string): Promise<void> {
  await scope.locator('label', { hasText: name }).click();
  await expect(scope.getByRole('radio', { name })).toBeChecked();
}

/** Sets a React Aria checkbox (visually hidden input) by clicking its label, then checks that it took. */
export async function setCheckbox(scope: Locator, name: string | RegExp, checked: boolean): Promise<void> {
  const box = scope.getByRole('checkbox', { name });
  // `has` is matched inside each label, so its locator starts from the page, not from the scope.
  if ((await box.isChecked()) !== checked) await scope.locator('label').filter({ has: scope.page().getByRole('checkbox', { name }) }).click();
  await expect(box).toBeChecked({ checked });
}
