import { test, expect } from '@playwright/test';
import { addServerInUi, startStack, type Stack } from './support';

let stack: Stack;

test.beforeAll(async () => {
  stack = await startStack('Plant 4', 5);
});

test.afterAll(async () => {
  await stack?.stop();
});

test('an administrator raises the minimum password length in Settings and the Generate dialog checks against it', async ({ page }, testInfo) => {
  await page.goto(stack.consoleUrl);
  await addServerInUi(page, 'Plant 4', stack.serverUrl);

  await page.getByRole('tree').getByRole('treeitem', { name: 'Settings' }).first().click();
  const form = page.getByRole('form', { name: 'Password policy' });
  const minimum = form.getByLabel('Minimum length');
  await expect(minimum).toHaveValue('8');
  await expect(form).toContainText('passwords set from now on');
  const save = form.getByRole('button', { name: 'Save' });
  const revert = form.getByRole('button', { name: 'Revert' });
  await expect(save).toBeDisabled();
  await expect(revert).toBeDisabled();

  // A minimum above the maximum is refused, with the rule named, and Revert brings the saved values back.
  await minimum.fill('200');
  await form.getByLabel('Maximum length').fill('100');
  await save.click();
  await expect(form.getByRole('alert')).toContainText('Minimum length must not exceed maximum length');
  await page.screenshot({ path: testInfo.outputPath('settings-refused.png') });
  await revert.click();
  await expect(minimum).toHaveValue('8');
  await expect(form.getByLabel('Maximum length')).toHaveValue('128');
  await expect(form.getByRole('alert')).toHaveCount(0);

  await minimum.fill('20');
  await expect(save).toBeEnabled();
  await save.click();
  await expect(form.getByRole('status')).toHaveText('Saved.');
  await expect(save).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath('settings.png') });
  await testInfo.attach('settings', { path: testInfo.outputPath('settings.png'), contentType: 'image/png' });

  // What the server now holds, as a fresh read shows it.
  await page.reload();
  await page.getByRole('tree').getByRole('treeitem', { name: 'Settings' }).first().click();
  await expect(page.getByRole('form', { name: 'Password policy' }).getByLabel('Minimum length')).toHaveValue('20');

  await page.getByRole('tree').getByRole('treeitem', { name: 'Users' }).first().click();
  const grid = page.getByRole('grid');
  const dataRows = grid.locator('[role="row"][aria-rowindex]').filter({ hasNot: page.locator('[role="columnheader"]') });
  await expect(dataRows.nth(0)).toContainText(/\w/);
  await dataRows.nth(0).click();
  await page.getByRole('button', { name: 'Generate QR Code' }).click();
  const gen = page.getByRole('dialog', { name: 'Generate QR Code' });
  const policy = gen.getByRole('region', { name: 'Password policy' });
  await expect(policy).toContainText('At least 20 characters');
  // 17 characters with every class: only the length rule fails.
  await gen.getByLabel('New password').fill('Amber-Falcon-2026');
  await expect(policy.getByRole('listitem').filter({ hasText: 'At least 20 characters' })).toContainText('not met');
  await expect(policy.getByRole('listitem').filter({ hasText: 'An uppercase letter' })).not.toContainText('not met');
});
