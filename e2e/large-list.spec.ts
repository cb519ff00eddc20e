import { test, expect } from '@playwright/test';
import { addServerInUi, startStack, type Stack } from './support';

// A server with 100,000 users must open and scroll as smoothly as a small one: the list is
// virtualised and paged from the server, and search and sort run on the server.
const USERS = 100_000;
let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack('Big site', USERS);
});

test.afterAll(async () => {
  await stack?.stop();
});

test('a server with 100,000 users opens, jumps to the last user, searches and selects all', async ({ page }, testInfo) => {
  await page.goto(stack.consoleUrl);
  await addServerInUi(page, 'Big site', stack.serverUrl);

  const grid = page.getByRole('grid');
  await expect(grid).toHaveAttribute('aria-rowcount', String(USERS + 1));
  await expect(page.getByText(/100,000 users/)).toBeVisible();
  // Only a screenful of rows exists in the DOM, whatever the total.
  const rendered = await grid.locator('[role="row"][aria-rowindex]').count();
  expect(rendered).toBeLessThan(200);

  // Jump to the end: the last page is fetched on demand and shows real rows.
  await grid.locator('[role="row"][aria-rowindex="2"]').click();
  await page.keyboard.press('End');
  const last = grid.locator(`[role="row"][aria-rowindex="${USERS + 1}"]`);
  await expect(last).toBeVisible();
  await expect(last).toContainText(/\w+\.\w+/);
  await expect(last).toHaveAttribute('aria-selected', 'true');
  await page.screenshot({ path: testInfo.outputPath('last-user.png') });

  // Back to the top (Home), then a server-side search narrows the count; clearing it restores the total.
  await page.keyboard.press('Home');
  await expect(grid.locator('[role="row"][aria-rowindex="2"]')).toHaveAttribute('aria-selected', 'true');
  const firstLogin = (await grid.locator('[role="row"][aria-rowindex="2"]').innerText()).trim().split(/\s+/)[0]!;
  await page.getByLabel('Search users').fill(firstLogin);
  await expect(page.getByText(/^[\d,]+ users?/).first()).not.toHaveText(/100,000 users/);
  await expect(grid.locator('[role="row"][aria-rowindex="2"]')).toContainText(firstLogin);
  await page.getByLabel('Search users').fill('');
  await expect(page.getByText(/100,000 users/)).toBeVisible();

  // Select all counts every user, not just the loaded pages.
  await grid.locator('[role="row"][aria-rowindex="2"]').click();
  await page.keyboard.press('ControlOrMeta+a');
  await expect(page.getByText(/100,000 selected/).first()).toBeVisible();
});
