import { test, expect, uniqueEmail } from './fixtures';

test('@forms a personal access token is shown once, works as a bearer token, and is revoked', async ({ page, accounts, request }) => {
  await accounts.registerVerified(uniqueEmail('pat'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/settings/security');
  await accounts.ready();
  await expect(page.getByText('You have no tokens.')).toBeVisible();

  await page.getByLabel('Token name').fill('nightly export');
  await page.getByLabel('Expires after').selectOption('90');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = page.getByTestId('token-secret');
  await expect(secret).toHaveText(/^dgp_/);
  const token = (await secret.textContent()) ?? '';
  await expect(page.locator('tr[data-token="nightly export"]')).toContainText('Never');

  // The token is the person over the JSON API.
  const me = await request.get('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);

  // Shown once: a new visit lists it, without the secret, with its last use.
  await page.goto('/settings/security');
  await accounts.ready();
  await expect(page.getByTestId('token-secret')).toHaveCount(0);
  await expect(page.locator('tr[data-token="nightly export"]')).not.toContainText('Never');

  await page.getByRole('button', { name: 'Revoke nightly export' }).click();
  await expect(page.getByText('The token was revoked')).toBeVisible();
  await expect(page.locator('tr[data-token="nightly export"]')).toHaveCount(0);
  const after = await request.get('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } });
  expect(after.status()).toBe(401);
});

test('an admin sees the API tokens tab', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('pat-admin'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/admin/tokens');
  await accounts.ready();
  await expect(page.getByRole('heading', { name: "Members' API tokens" })).toBeVisible();
  await expect(page.getByText('No member has a token.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'API tokens' })).toHaveAttribute('aria-current', 'page');
});
