import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addServerInUi, chooseRadio, setCheckbox, startStack, type Stack } from './support';
import { zbarRead } from '../src/test-support/zbar';

// Issue 8, points 4 and 10: what the Generate dialog checks is what the server checks (its
// common-password list too), the confirmation names who fails and why, broken codes can be
// left out of the printed cards (and when printed, speak to the administrator), template
// numbers can be zero-padded, and unique passwords can be loaded from a file.

let stack: Stack;
let page: Page;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  stack = await startStack('Plant 4', 12);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  await page.goto(stack.consoleUrl);
  await addServerInUi(page, 'Plant 4', stack.serverUrl);
});

test.afterAll(async () => {
  await page?.context().close();
  await stack?.stop();
});

/** Selects data rows 0..n-1 and returns their logins in table order. */
async function selectFirst(n: number): Promise<string[]> {
  const grid = page.getByRole('grid');
  const rows = grid.locator('[role="row"][aria-rowindex]').filter({ hasNot: page.locator('[role="columnheader"]') });
  await expect(rows.nth(n)).toContainText(/\w/);
  await rows.nth(0).click();
  if (n > 1) await rows.nth(n - 1).click({ modifiers: ['Shift'] });
  const selected = grid.locator('[role="row"][aria-selected="true"]');
  await expect(selected).toHaveCount(n);
  return (await selected.allInnerTexts()).map((t) => t.trim().split(/\s+/)[0]!);
}

async function pdfPages(file: string): Promise<number> {
  return Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
}

test('a common password the server refuses is never shown as passing', async () => {
  await selectFirst(2);
  await page.getByRole('button', { name: 'Generate QR Code' }).click();
  const gen = page.getByRole('dialog', { name: 'Generate QR Code' });
  // Every class rule is met; only the server's list of common passwords refuses it.
  await gen.getByLabel('New password').fill('Password1');
  await gen.getByLabel('Confirm password').fill('Password1');
  const policy = gen.getByRole('region', { name: 'Password policy' });
  await expect(policy.getByRole('listitem').filter({ hasText: "Not a common password (on the server's list)" })).toContainText('not met');
  await gen.getByRole('button', { name: 'OK', exact: true }).click();
  await expect(gen.getByText('The password does not meet the policy')).toBeVisible();
  await expect(page.getByRole('alertdialog', { name: 'Generate QR Code' })).toHaveCount(0);

  // The template preview says the same of a common password in template mode.
  await chooseRadio(gen, 'Use template');
  await gen.getByLabel('Prefix').fill('Password');
  await gen.getByLabel('Start from').fill('1');
  const preview = gen.getByRole('table', { name: 'Template preview' });
  await expect(preview.getByRole('row').nth(1)).toContainText('Too common');
  await expect(preview.getByRole('row').nth(1)).not.toContainText('Passes');
  await gen.getByRole('button', { name: 'Cancel' }).click();
});

test('the confirmation names who fails and why; broken codes are left out of the PDF by default, or printed for the administrator', async () => {
  const logins = await selectFirst(3);
  await page.getByRole('button', { name: 'Generate QR Code' }).click();
  const gen = page.getByRole('dialog', { name: 'Generate QR Code' });
  await chooseRadio(gen, 'Use template');
  // The second user's login is in every password, so theirs fails "must not contain the login".
  await gen.getByLabel('Prefix').fill(`${logins[1]}-Qz`);
  await gen.getByLabel('Start from').fill('007');
  const preview = gen.getByRole('table', { name: 'Template preview' });
  await expect(preview.getByRole('row').nth(1)).toContainText(`${logins[1]}-Qz007`);
  await expect(preview.getByRole('row').nth(3)).toContainText(`${logins[1]}-Qz009`);
  await gen.getByRole('button', { name: 'OK', exact: true }).click();

  const confirm = page.getByRole('alertdialog', { name: 'Generate QR Code' });
  const failing = confirm.getByRole('list', { name: 'Passwords that fail the policy' });
  await expect(failing.getByRole('listitem')).toHaveCount(1);
  await expect(failing).toContainText(`${logins[1]}: Must not contain the login`);
  await expect(confirm.getByRole('button', { name: 'Generate' })).toBeFocused();
  await page.keyboard.press('Enter');

  const popup = page.getByRole('dialog', { name: 'Generated QR codes' });
  await expect(popup.getByRole('status').first()).toContainText('2 generated, 1 broken');
  await expect(popup).toContainText('Save writes one PDF (A4, without the broken code).');

  let download = page.waitForEvent('download');
  await popup.getByRole('button', { name: 'Save', exact: true }).click();
  const omitted = join(stack.work, 'omitted.pdf');
  await (await download).saveAs(omitted);
  expect(await pdfPages(omitted)).toBe(2);
  expect(execFileSync('pdftotext', [omitted, '-'], { encoding: 'utf8' })).not.toContain(logins[1]!);

  // Save as…: the box is on by default; unticked, the broken card is printed, addressed to the administrator.
  await popup.getByRole('button', { name: 'Choose file type and layout…' }).click();
  const options = page.getByRole('dialog', { name: 'Save QR codes' });
  await expect(options.getByRole('checkbox', { name: /Leave the broken code out/ })).toBeChecked();
  await setCheckbox(options, /Leave the broken code out/, false);
  await expect(options).toContainText('printed marked "not issued", with the reason for the administrator');
  download = page.waitForEvent('download');
  await options.getByRole('button', { name: 'Save', exact: true }).click();
  const printed = join(stack.work, 'printed.pdf');
  await (await download).saveAs(printed);
  expect(await pdfPages(printed)).toBe(3);
  const text = execFileSync('pdftotext', [printed, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  expect(text).toContain('For the administrator: no code was issued. Password does not meet the policy: must not contain the login.');
  expect(text).toContain('do not hand out this card');

  await options.getByRole('button', { name: 'Close' }).click();
  await popup.getByRole('button', { name: 'Close' }).click();
  await expect(popup).toBeHidden();
});

test('unique passwords load from a login,password file, and its problems are named, not guessed at', async () => {
  const logins = await selectFirst(3);
  await page.getByRole('button', { name: 'Generate QR Code' }).click();
  const gen = page.getByRole('dialog', { name: 'Generate QR Code' });
  await chooseRadio(gen, 'Use unique');
  const file = join(stack.work, 'passwords.csv');
  // Upper case logins match; the third user has a row without a password; one login is not selected.
  writeFileSync(file, `login,password\r\n${logins[0]!.toUpperCase()},"Quiet, Bay-41"\n${logins[1]},Still-Water-52\n${logins[2]},\nsomebody.else,Other-Pass-99\n`);
  const chooser = page.waitForEvent('filechooser');
  await gen.getByRole('button', { name: 'Load from file…' }).click();
  await (await chooser).setFiles(file);
  const status = gen.getByRole('status').filter({ hasText: 'passwords.csv' });
  await expect(status).toContainText(`passwords.csv: passwords for 2 of 3 users. None for ${logins[2]}.`);
  await expect(status).toContainText('1 login in the file is not among them.');
  await expect(status).toContainText(`line 4 has no password for ${logins[2]}`);
  await setCheckbox(gen, 'Show passwords', true);
  await expect(gen.getByLabel(`Password for ${logins[0]}`, { exact: true })).toHaveValue('Quiet, Bay-41');
  await expect(gen.getByLabel(`Password for ${logins[1]}`, { exact: true })).toHaveValue('Still-Water-52');
  await expect(gen.getByLabel(`Password for ${logins[2]}`, { exact: true })).toHaveValue('');
  await gen.getByRole('button', { name: 'Cancel' }).click();
});

test("a server's Settings give its cards a logo and a line of text, printed on the codes issued after", async () => {
  const tree = page.getByRole('tree');
  await tree.getByRole('treeitem', { name: 'Settings' }).first().click();
  const cards = page.getByRole('form', { name: 'Sign-in cards' });
  await expect(cards).toBeVisible();
  await expect(cards.getByText('No logo')).toBeVisible();

  // Something that is not a picture is refused with a plain sentence, and nothing changes.
  const notPicture = join(stack.work, 'logo.png');
  writeFileSync(notPicture, 'this is not a picture');
  let chooser = page.waitForEvent('filechooser');
  await cards.getByRole('button', { name: 'Choose logo…' }).click();
  await (await chooser).setFiles(notPicture);
  await expect(cards.getByRole('alert')).toContainText('logo.png is not a picture the console can read');

  // An SVG logo: the console turns it into the PNG the server keeps.
  const svg = join(stack.work, 'logo.svg');
  writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100"><circle cx="50" cy="50" r="45" fill="#c83c1e"/><rect x="110" y="30" width="180" height="40" fill="#c83c1e"/></svg>');
  chooser = page.waitForEvent('filechooser');
  await cards.getByRole('button', { name: 'Choose logo…' }).click();
  await (await chooser).setFiles(svg);
  await expect(cards.getByRole('img', { name: 'The card logo' })).toBeVisible();
  await cards.getByLabel('Line of text on every card').fill('Questions? Help desk 555-0100');
  await cards.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(cards.getByRole('status')).toHaveText('Saved. Codes issued from now on carry them.');

  // Kept by the server: a reload shows them again.
  await page.reload();
  await page.getByRole('tree').getByRole('treeitem', { name: 'Settings' }).first().click();
  await expect(page.getByRole('form', { name: 'Sign-in cards' }).getByLabel('Line of text on every card')).toHaveValue('Questions? Help desk 555-0100');
  await expect(page.getByRole('form', { name: 'Sign-in cards' }).getByRole('img', { name: 'The card logo' })).toBeVisible();

  await page.getByRole('tree').getByRole('treeitem', { name: 'Users' }).first().click();
  await selectFirst(2);
  await page.getByRole('button', { name: 'Generate QR Code' }).click();
  const gen = page.getByRole('dialog', { name: 'Generate QR Code' });
  await gen.getByLabel('New password').fill('Harbour-Lights-42');
  await gen.getByLabel('Confirm password').fill('Harbour-Lights-42');
  await gen.getByRole('button', { name: 'OK', exact: true }).click();
  await page.getByRole('alertdialog', { name: 'Generate QR Code' }).getByRole('button', { name: 'Generate' }).click();
  const popup = page.getByRole('dialog', { name: 'Generated QR codes' });
  const download = page.waitForEvent('download');
  await popup.getByRole('button', { name: 'Save', exact: true }).click();
  const pdf = join(stack.work, 'branded.pdf');
  await (await download).saveAs(pdf);
  const images = execFileSync('pdfimages', ['-list', pdf], { encoding: 'utf8' }).trim().split('\n').slice(2).map((l) => l.trim().split(/\s+/));
  // One logo (300 x 100 px, with its transparency as a mask) drawn on each of the two pages.
  expect(images.filter((r) => r[2] === 'image').map((r) => `${r[0]}:${r[3]}x${r[4]}`)).toEqual(['1:300x100', '2:300x100']);
  expect(images.filter((r) => r[2] === 'smask')).toHaveLength(2);
  expect(execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).match(/Questions\? Help desk 555-0100/g)).toHaveLength(2);
  // The codes still scan beside the logo.
  execFileSync('pdftoppm', ['-r', '150', '-f', '1', '-l', '1', '-png', pdf, join(stack.work, 'branded')]);
  expect(zbarRead(join(stack.work, 'branded-1.png'))).toContain(stack.serverUrl);
  await popup.getByRole('button', { name: 'Close' }).click();
  await expect(popup).toBeHidden();
});
