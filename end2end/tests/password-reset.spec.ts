import { test, expect, uniqueEmail, PASSWORD } from './fixtures';

// The e2e server runs without a mail server: messages wait in the development outbox.

test('@forms forgot password → the mail in the outbox → a new password → sign in', async ({ page, accounts }) => {
  const email = uniqueEmail('forgot');
  await accounts.register(email);
  await expect(page).toHaveURL(/\/onboarding$/);
  await accounts.signOut();

  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await accounts.ready();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByText('If that address has a Digame account')).toBeVisible();

  await page.goto('/dev/outbox');
  const mail = page.locator(`[data-mail="${email}"]`).filter({ hasText: 'Choose a new Digame password' });
  await expect(mail).toBeVisible();
  await mail.getByRole('link', { name: /reset-password\?token=/ }).click();
  await expect(page).toHaveURL(/\/reset-password\?token=/);
  await accounts.ready();
  await expect(page.getByText(email)).toBeVisible();

  const fresh = 'violet harbour seventeen lanterns';
  await page.getByLabel('New password', { exact: true }).fill(fresh);
  await page.getByLabel('New password again').fill('not the same passphrase');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page.getByText('The two passwords do not match.')).toBeVisible();

  await page.getByLabel('New password', { exact: true }).fill(fresh);
  await page.getByLabel('New password again').fill(fresh);
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await expect(page.getByText('Your password was changed. Sign in with the new one.')).toBeVisible();

  await accounts.signIn(email, PASSWORD);
  await expect(page.getByText('That email and password do not match an account.')).toBeVisible();
  await page.goto('/login');
  await accounts.signIn(email, fresh);
  await expect(page).toHaveURL(/\/onboarding$/);
});
