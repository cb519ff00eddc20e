import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_PASSWORD, addServerInUi, startStack, type Stack } from './support';

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack('Plant 3', 5);
});

test.afterAll(async () => {
  await stack?.stop();
});

test('adding a server explains a wrong password and an unreachable address, keeps no password on disk, deletes a user, and removes the server again', async ({ page }) => {
  await page.goto(stack.consoleUrl);
  const open = async () => {
    await page.getByRole('button', { name: 'Add server' }).click();
    return page.getByRole('dialog', { name: 'Add server' });
  };

  let dialog = await open();
  await dialog.getByLabel('Name').fill('Plant 3');
  await dialog.getByLabel('Server URL').fill(stack.serverUrl);
  await dialog.getByLabel('Login').fill('admin');
  await dialog.getByLabel('Password', { exact: true }).fill('not-the-password');
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText(/password/i);
  await expect(dialog).toBeVisible();

  // Nothing listens on port 9 of loopback: the console says it cannot reach the server.
  await dialog.getByLabel('Server URL').fill('http://127.0.0.1:9');
  await dialog.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText(/reach/i);

  // Plain http:// to another machine: the console warns, and adds nothing until told to go on.
  await dialog.getByLabel('Server URL').fill('http://192.0.2.10:8443');
  const warning = dialog.getByRole('alert').filter({ hasText: 'unencrypted' });
  await expect(warning).toContainText('would cross the network unencrypted');
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(warning).toContainText('Tick the box to connect without encryption, or use an https:// address.');
  await expect(dialog.getByRole('button', { name: 'Signing in…' })).toHaveCount(0);
  await dialog.getByLabel('Server URL').fill('http://127.0.0.1:9');
  await expect(warning).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await addServerInUi(page, 'Plant 3', stack.serverUrl);
  // The server list on disk has the address and login, never the password.
  const settings = readFileSync(join(stack.work, 'console-data', 'servers.json'), 'utf8');
  expect(settings).toContain(stack.serverUrl);
  expect(settings).not.toContain(ADMIN_PASSWORD);

  // Delete one user from the keyboard: the confirmation names the count, the list shrinks.
  const grid = page.getByRole('grid');
  await expect(page.getByText(/^5 users/).first()).toBeVisible();
  const firstRow = grid.locator('[role="row"][aria-rowindex="2"]');
  const login = (await firstRow.innerText()).trim().split(/\s+/)[0]!;
  await firstRow.click();
  await page.keyboard.press('Delete');
  const confirm = page.getByRole('alertdialog', { name: 'Delete users' });
  await expect(confirm).toContainText('Delete 1 user?');
  // And who it is, as the other per-user actions name their users.
  await expect(confirm.locator('.action-names')).toHaveText(login);
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByText(/^4 users/).first()).toBeVisible();

  const serverItem = page.getByRole('tree').getByRole('treeitem', { name: 'Plant 3' });
  await serverItem.focus();
  await page.keyboard.press('Delete');
  dialog = page.getByRole('alertdialog', { name: 'Remove server' });
  await expect(dialog).toContainText('not changed');
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(serverItem).toHaveCount(0);
  await page.reload();
  await expect(page.getByText('No servers yet. Use Add server.')).toBeVisible();
});
