import { test, expect, uniqueEmail } from './fixtures';
import * as path from 'path';

const MBOX = path.join(__dirname, '..', '..', 'tests', 'fixtures', 'email', 'small.mbox');

test('@forms upload the fixture mbox, read the findings and charts, save it and compare', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('email'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/tools/email');
  await accounts.ready();
  // The person's own address is pre-filled with their account's; this mailbox is someone else's.
  const own = page.getByLabel('Your addresses');
  await expect(own).toHaveValue(/@example\.com$/);
  await own.fill('me@digame.test');
  await page.getByLabel('Mail export').setInputFiles(MBOX);
  await page.getByRole('button', { name: 'Analyse' }).click();

  const findings = page.locator('[data-findings]');
  await expect(findings).toContainText('You answer alice@example.com, your most frequent correspondent, in a median of 7.5 h.');
  await expect(findings).toContainText('25 % of the mail you send goes out outside your working hours');
  await expect(page.locator('[data-source]')).toContainText('9 messages (4 sent, 5 received)');
  // Charts drawn as SVG with their numbers in tables.
  await expect(page.locator('svg.chart-heatmap')).toBeVisible();
  await expect(page.locator('svg.chart-heatmap rect.heat')).toHaveCount(7 * 24);
  await expect(page.locator('[data-table="unanswered"]')).toContainText('Budget review follow-up');
  await page.getByText('Top correspondents: the numbers').click();
  await expect(page.locator('[data-table="correspondents"]')).toContainText('alice@example.com');
  // Without a key the narrative says how to get one.
  await expect(page.getByRole('link', { name: 'API-key settings' })).toBeVisible();

  await page.getByLabel('Name').fill('First look');
  await page.getByRole('button', { name: 'Save this result' }).click();
  await expect(page.locator('[data-saved="First look"]')).toBeVisible();
  await page.getByRole('button', { name: 'Compare' }).click();
  const table = page.locator('[data-table="comparison"]');
  await expect(table).toContainText('Median time to answer');
  await expect(table).toContainText('First look');
});

test('@forms a file that is not mail is refused with a clear message', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('email-bad'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/tools/email');
  await accounts.ready();
  await page.getByLabel('Mail export').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('nothing to see\n') });
  await page.getByRole('button', { name: 'Analyse' }).click();
  await expect(page.getByText('this file is none of these')).toBeVisible();
  await expect(page.locator('[data-result]')).toHaveCount(0);
});
