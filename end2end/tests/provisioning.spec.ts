import { test, expect, uniqueEmail } from './fixtures';

// Admin → Provisioning: an admin makes the company's SCIM token (shown once), the provider
// uses it against /scim/v2 — a person it makes shows up on Admin → Members —, a new token ends
// the old one, and revoking ends provisioning. JavaScript on and off.
test('@forms an admin makes the provisioning token and the provider uses it', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('admin-scim'));
  await page.goto('/admin/provisioning');
  await accounts.ready();
  await expect(page.getByRole('heading', { name: 'Provisioning from your identity provider (SCIM 2.0)' })).toBeVisible();
  await expect(page.getByText('No token yet: provisioning is off.')).toBeVisible();
  const base = (await page.locator('.scim-url').textContent())!.trim();
  expect(base).toMatch(/\/scim\/v2$/);

  await page.getByRole('button', { name: 'Make a token' }).click();
  const shown = page.getByTestId('scim-token');
  await expect(shown).toBeVisible();
  const token = (await shown.textContent())!.trim();
  expect(token).toMatch(/^digame_scim_/);

  // The provider makes a person.
  const email = uniqueEmail('provisioned');
  const made = await page.request.post(`${base}/Users`, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    data: JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: email,
      name: { givenName: 'Robin', familyName: 'Provisioned' },
      active: true,
    }),
  });
  expect(made.status()).toBe(201);
  await page.goto('/admin/members');
  await expect(page.getByText(email)).toBeVisible();

  // The page says the token was used; a new one ends it.
  await page.goto('/admin/provisioning');
  await accounts.ready();
  await expect(page.getByText(/your provider last used it/)).toBeVisible();
  await expect(page.getByText('1 account is managed by your provider.')).toBeVisible();
  await page.getByRole('button', { name: 'Make a new token' }).click();
  await expect(page.getByTestId('scim-token')).toBeVisible();
  const second = (await page.getByTestId('scim-token').textContent())!.trim();
  expect(second).not.toBe(token);
  const old = await page.request.get(`${base}/Users`, { headers: { authorization: `Bearer ${token}` } });
  expect(old.status()).toBe(401);

  await page.getByRole('button', { name: 'Revoke the token' }).click();
  await expect(page.getByText('The token was revoked')).toBeVisible();
  await expect(page.getByText('No token yet: provisioning is off.')).toBeVisible();
  const gone = await page.request.get(`${base}/Users`, { headers: { authorization: `Bearer ${second}` } });
  expect(gone.status()).toBe(401);
});
