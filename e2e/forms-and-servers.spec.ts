import { test, expect, type Locator, type Page } from '@playwright/test';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_PASSWORD, addServerInUi, startStack, type Stack } from './support';

/**
 * Issue 8, point 9, as an administrator meets it: an address that is not a Gatepass server is
 * named as such; Settings speaks in sentences, refuses a minimum under 8 and asks before unsaved
 * changes are lost; buttons stay readable in every state, light and dark; a server is renamed and
 * moved from the tree; the open node survives a reload.
 */

let stack: Stack;
let web: HttpServer;
let webUrl: string;
/** One page for the file: the launch link works once, then the session lives in this context's cookie. */
let page: Page;
let home: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  stack = await startStack('Plant 11', 6);
  // An ordinary web server, as a mistyped port might reach: a page for GET, 405 for POST.
  web = createServer((req, res) => {
    if (req.method === 'GET') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Intranet</title><h1>Welcome</h1>');
    else res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET' }).end('Method Not Allowed');
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  await page.goto(stack.consoleUrl);
  await expect(page).toHaveURL(/\/$/);
  // The console's own address (a path of this launch, to which the cookie is scoped).
  home = page.url();
});

test.afterAll(async () => {
  await page?.context().close();
  await new Promise<void>((resolve) => (web ? web.close(() => resolve()) : resolve()));
  await stack?.stop();
});

/**
 * The contrast ratio (WCAG 2) of a button's text against its background as painted: its own
 * colours, composited over the first opaque background behind it with its opacity.
 */
async function contrastOf(button: Locator): Promise<number> {
  return button.evaluate((el) => {
    // This runs in the page; the e2e type-check has no DOM library, so the two calls it needs are typed here.
    interface Painted {
      parentElement: Painted | null;
    }
    const style = (n: Painted) =>
      (globalThis as unknown as { getComputedStyle(n: Painted): { backgroundColor: string; color: string; opacity: string } }).getComputedStyle(n);
    const rgba = (c: string): [number, number, number, number] => {
      const m = c.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
      return [m[0] ?? 0, m[1] ?? 0, m[2] ?? 0, m[3] ?? 1];
    };
    const over = (top: number[], bottom: number[], alpha: number) => top.map((v, i) => v * alpha + (bottom[i] ?? 0) * (1 - alpha));
    let opacity = 1;
    let backdrop: number[] | null = null;
    for (let n: Painted | null = el.parentElement; n && !backdrop; n = n.parentElement) {
      const bg = rgba(style(n).backgroundColor);
      if (bg[3] === 1) backdrop = bg.slice(0, 3);
    }
    for (let n: Painted | null = el; n; n = n.parentElement) opacity *= Number(style(n).opacity);
    const own = style(el);
    const bgOwn = rgba(own.backgroundColor);
    const base = backdrop ?? [255, 255, 255];
    const bg = over(over(bgOwn.slice(0, 3), base, bgOwn[3]), base, opacity);
    const fgOwn = rgba(own.color);
    const fg = over(over(fgOwn.slice(0, 3), bg, fgOwn[3]), base, opacity);
    const lum = (c: number[]) => {
      const [r, g, b] = c.map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  });
}

/** Moves the pointer by a pixel inside the button, as a resting hand does (the browser then re-checks :hover). */
async function nudgePointer(button: Locator): Promise<void> {
  const box = (await button.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2 + 1, box.y + box.height / 2 + 1);
}

/** Contrast in each state a pointer and a keyboard give a button: hovered, pressed, focused. */
async function statesOf(button: Locator): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await button.hover();
  out.hovered = await contrastOf(button);
  const box = (await button.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  out.pressed = await contrastOf(button);
  // Released elsewhere, so nothing is clicked.
  await page.mouse.move(5, 5);
  await page.mouse.up();
  await button.focus();
  await expect(button).toBeFocused();
  out.focused = await contrastOf(button);
  return out;
}

test('Add server names an address that is not a Gatepass server, and its buttons stay readable after an error, light and dark', async () => {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.getByRole('button', { name: 'Add server' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add server' });
    const add = dialog.getByRole('button', { name: 'Add', exact: true });
    await dialog.getByLabel('Server URL').fill(stack.serverUrl);
    await dialog.getByLabel('Login').fill('admin');
    await dialog.getByLabel('Password', { exact: true }).fill('not-the-password');
    await add.click();
    await expect(dialog.getByRole('alert')).toContainText(/password/i);
    // The reported case: Add, enabled again under the pointer after the error (the hand on the
    // mouse moves a pixel), keeps light text on a dark enough background.
    await expect(add).toBeEnabled();
    await nudgePointer(add);
    expect(await contrastOf(add), `${scheme}: Add under the pointer after an error`).toBeGreaterThanOrEqual(4.5);

    await dialog.getByLabel('Server URL').fill(webUrl);
    await dialog.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await add.click();
    await expect(dialog.getByRole('alert')).toHaveText(`${webUrl} is not a Gatepass server: it does not answer /api/v1/info as one. Check the address and port.`);
    await expect(dialog.getByRole('alert')).not.toContainText('HTTP 405');
    await expect(add).toBeEnabled();
    await nudgePointer(add);
    expect(await contrastOf(add), `${scheme}: Add under the pointer after the second error`).toBeGreaterThanOrEqual(4.5);
    for (const [state, ratio] of Object.entries(await statesOf(add))) expect(ratio, `${scheme}: Add ${state}`).toBeGreaterThanOrEqual(4.5);
    for (const [state, ratio] of Object.entries(await statesOf(dialog.getByRole('button', { name: 'Cancel' })))) {
      expect(ratio, `${scheme}: Cancel ${state}`).toBeGreaterThanOrEqual(4.5);
    }
    await page.screenshot({ path: test.info().outputPath(`not-gatepass-${scheme}.png`) });
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await addServerInUi(page, 'Plant 11', stack.serverUrl);
  // The danger button of a confirmation, in both schemes.
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.getByRole('tree').getByRole('treeitem', { name: 'Plant 11' }).focus();
    await page.keyboard.press('Delete');
    const confirm = page.getByRole('alertdialog', { name: 'Remove server' });
    const remove = confirm.getByRole('button', { name: 'Remove', exact: true });
    expect(await contrastOf(remove), `${scheme}: Remove`).toBeGreaterThanOrEqual(4.5);
    for (const [state, ratio] of Object.entries(await statesOf(remove))) expect(ratio, `${scheme}: Remove ${state}`).toBeGreaterThanOrEqual(4.5);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toBeHidden();
  }
  await page.emulateMedia({ colorScheme: 'light' });
});

test('Settings refuses a minimum length under 8 in a sentence, and asks before unsaved changes are left behind or the tab is closed', async () => {
  const tree = page.getByRole('tree');
  await tree.getByRole('treeitem', { name: 'Settings' }).click();
  const form = page.getByRole('form', { name: 'Password policy' });
  const minimum = form.getByLabel('Minimum length');
  await expect(minimum).toHaveValue('8');
  await expect(form).toContainText('at least 8 characters, as NIST SP 800-63B asks');
  const save = form.getByRole('button', { name: 'Save' });
  // A disabled Save is still legible, light and dark.
  await expect(save).toBeDisabled();
  expect(await contrastOf(save), 'disabled Save, light').toBeGreaterThanOrEqual(4.5);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await contrastOf(save), 'disabled Save, dark').toBeGreaterThanOrEqual(4.5);
  await page.emulateMedia({ colorScheme: 'light' });

  await minimum.fill('7');
  await save.click();
  await expect(form.getByRole('alert')).toHaveText('Minimum length must be at least 8');
  await expect(form).not.toContainText('Too small');
  // Save is enabled again under the pointer after the refusal: still readable.
  await nudgePointer(save);
  expect(await contrastOf(save)).toBeGreaterThanOrEqual(4.5);

  // Leaving asks; Cancel stays with the edit.
  await tree.getByRole('treeitem', { name: 'Users' }).click();
  const question = page.getByRole('alertdialog', { name: 'Unsaved changes' });
  await expect(question).toContainText('Save the changes to the password policy of Plant 11 before leaving?');
  await expect(question.getByRole('button', { name: 'Save' })).toBeFocused();
  await question.getByRole('button', { name: 'Cancel' }).click();
  await expect(question).toBeHidden();
  await expect(minimum).toHaveValue('7');
  await expect(tree.getByRole('treeitem', { name: 'Settings' })).toHaveAttribute('aria-selected', 'true');

  // Save from the question: refused (7 is under the floor), so the form stays and says why.
  await tree.getByRole('treeitem', { name: 'Audit' }).click();
  await question.getByRole('button', { name: 'Save' }).click();
  await expect(question).toBeHidden();
  await expect(form.getByRole('alert')).toHaveText('Minimum length must be at least 8');
  await expect(tree.getByRole('treeitem', { name: 'Settings' })).toHaveAttribute('aria-selected', 'true');

  // A valid edit: Enter takes the default answer, Save, and the console goes where it was asked.
  await minimum.fill('12');
  await tree.getByRole('treeitem', { name: 'Users' }).click();
  await expect(question).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(question).toBeHidden();
  await expect(page.getByRole('grid', { name: 'Users' })).toBeVisible();
  await tree.getByRole('treeitem', { name: 'Settings' }).click();
  await expect(minimum).toHaveValue('12');

  // Discard drops the edit and goes.
  await minimum.fill('14');
  await tree.getByRole('treeitem', { name: 'Audit' }).click();
  await question.getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByRole('table', { name: 'Audit log' })).toBeVisible();
  await tree.getByRole('treeitem', { name: 'Settings' }).click();
  await expect(minimum).toHaveValue('12');

  // The other part of Settings, the sign-in cards, asks too, and names itself.
  const cards = page.getByRole('form', { name: 'Sign-in cards' });
  await cards.getByLabel('Line of text on every card').fill('Help desk 555-0100');
  await tree.getByRole('treeitem', { name: 'Users' }).click();
  await expect(question).toContainText('Save the changes to the sign-in cards of Plant 11 before leaving?');
  await question.getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByRole('grid', { name: 'Users' })).toBeVisible();
  await tree.getByRole('treeitem', { name: 'Settings' }).click();
  await expect(cards.getByLabel('Line of text on every card')).toHaveValue('');

  // Closing the tab with an unsaved edit raises the browser's question; without one it does not.
  const tab = await page.context().newPage();
  const prompts: string[] = [];
  tab.on('dialog', (d) => {
    prompts.push(d.type());
    void d.dismiss();
  });
  await tab.goto(home);
  await tab.getByRole('tree').getByRole('treeitem', { name: 'Settings' }).click();
  const tabForm = tab.getByRole('form', { name: 'Password policy' });
  await tabForm.getByLabel('Minimum length').fill('16');
  const prompted = tab.waitForEvent('dialog');
  await tab.close({ runBeforeUnload: true });
  expect((await prompted).type()).toBe('beforeunload');
  expect(tab.isClosed()).toBe(false);
  await tabForm.getByRole('button', { name: 'Revert' }).click();
  await expect(tabForm.getByLabel('Minimum length')).toHaveValue('12');
  const closed = tab.waitForEvent('close');
  await tab.close({ runBeforeUnload: true });
  await closed;
  expect(prompts).toEqual(['beforeunload']);
});

test('a server is renamed and moved to another address from the tree, refusals change nothing, and the open node survives a reload', async () => {
  const tree = page.getByRole('tree');
  const sameServer = stack.serverUrl.replace('127.0.0.1', 'localhost');

  // Right-click the server: its context menu offers the edit.
  await tree.getByRole('treeitem', { name: 'Plant 11' }).locator('.tree-row.level-1').click({ button: 'right' });
  const menu = page.getByRole('menu', { name: 'Plant 11 actions' });
  await menu.getByRole('menuitem', { name: /Rename or change address/ }).click();
  let dialog = page.getByRole('dialog', { name: 'Edit server' });
  await dialog.getByLabel('Name').fill('Hall B');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(tree.getByRole('treeitem', { name: 'Hall B' })).toBeVisible();

  // From the keyboard the same menu opens with Shift+F10, and Esc gives focus back to the node.
  const node = tree.getByRole('treeitem', { name: 'Hall B' });
  await node.focus();
  await page.keyboard.press('Shift+F10');
  await expect(page.getByRole('menu', { name: 'Hall B actions' }).getByRole('menuitem').first()).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu', { name: 'Hall B actions' })).toBeHidden();
  await expect(node).toBeFocused();

  // F2 on the node: an address that is not a Gatepass server is refused and nothing changes.
  await tree.getByRole('treeitem', { name: 'Hall B' }).focus();
  await page.keyboard.press('F2');
  dialog = page.getByRole('dialog', { name: 'Edit server' });
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await dialog.getByLabel('Server URL').fill(webUrl);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(`${webUrl} is not a Gatepass server: it does not answer /api/v1/info as one. Check the address and port.`);
  // The same server under another name of this host: the session's password signs in there.
  await dialog.getByLabel('Server URL').fill(sameServer);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: `Hall B now connects to ${sameServer}` })).toBeVisible();

  // Settings shows the new address; the saved list has it (and never the password).
  await tree.getByRole('treeitem', { name: 'Settings' }).click();
  const facts = page.getByRole('region', { name: 'Server' });
  await expect(facts).toContainText('Hall B');
  await expect(facts).toContainText(sameServer);
  const saved = readFileSync(join(stack.work, 'console-data', 'servers.json'), 'utf8');
  expect(saved).toContain(sameServer);
  expect(saved).toContain('Hall B');
  expect(saved).not.toContain(ADMIN_PASSWORD);

  // The open node survives a reload: Audit of Hall B, with its log.
  await tree.getByRole('treeitem', { name: 'Audit' }).click();
  await expect(page.getByRole('table', { name: 'Audit log' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('tree').getByRole('treeitem', { name: 'Audit' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('table', { name: 'Audit log' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Audit log' })).toContainText('admin.signin');
  await expect(page.getByRole('tree').getByRole('treeitem', { name: 'Hall B' })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('restored-audit.png') });
  // The status line names the address the console now talks to.
  await expect(page.locator('.status-bar')).toContainText(`connected to ${sameServer}`);
});
