import { test, expect, uniqueEmail, PASSWORD } from './fixtures';

test('@forms a person changes their name and, through the mailed link, their address', async ({ page, accounts }) => {
  const email = uniqueEmail('identity');
  await accounts.registerVerified(email);
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/settings/profile');
  await accounts.ready();
  const card = page.locator('#identity');
  await card.getByLabel('Your name').fill('Ana Maria Lima');
  await card.getByRole('button', { name: 'Save name' }).click();
  await expect(card.locator('.alert-success')).toContainText('Your name is saved.');
  await expect(page.locator('#identity').getByLabel('Your name')).toHaveValue('Ana Maria Lima');

  const next = uniqueEmail('identity-new');
  await page.locator('#identity').getByLabel('New email address').fill(next);
  await page.locator('#identity').getByLabel('Your current password').fill(PASSWORD);
  await page.locator('#identity').getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByTestId('pending-email')).toContainText(`A link was sent to ${next}`);
  await expect(page.getByTestId('current-email')).toHaveText(email);

  // The link in the mail to the new address makes the change with one click.
  const html = await (await page.request.get('/dev/outbox')).text();
  const at = html.indexOf(`data-mail="${next}"`);
  expect(at).toBeGreaterThan(-1);
  const token = html.slice(at).match(/account\/email\?token=([A-Za-z0-9_-]+)/)![1];
  await page.goto(`/account/email?token=${token}`);
  await accounts.ready();
  await page.getByRole('button', { name: 'Use this address' }).click();
  await expect(page.locator('.alert-success')).toContainText('Done');
  await page.goto('/settings/profile');
  await expect(page.getByTestId('current-email')).toHaveText(next);
});
