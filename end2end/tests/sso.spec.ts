import { test, expect, uniqueEmail } from './fixtures';

// Single sign-on through a real, certified OpenID provider (end2end/oidc-provider.mjs, started
// by scripts/test): an admin verifies the company's domain, registers Digame at the provider
// with the redirect address Admin → Single sign-on shows, saves and tests the connection; a
// person at the domain then signs in from "Sign in with your company" through the provider's
// own pages and lands in Digame with a new member's account. JavaScript on and off.
const issuer = process.env.DIGAME_E2E_OIDC_ISSUER;
const control = process.env.DIGAME_E2E_DNS_CONTROL;

test('@forms a company connects its provider and a person signs in through it', async ({ page, accounts, browser, javaScriptEnabled }) => {
  // No silent skip: without the provider and the DNS responder this run cannot sign anyone in.
  if (!issuer || !control) throw new Error('DIGAME_E2E_OIDC_ISSUER and DIGAME_E2E_DNS_CONTROL must be set: start end2end/oidc-provider.mjs and end2end/dns-responder.mjs (scripts/test does)');
  const domain = `sso-${Date.now()}-${Math.floor(Math.random() * 1e6)}.test`;
  await accounts.registerVerified(uniqueEmail('admin-sso'));
  await expect(page).toHaveURL(/\/onboarding$/);

  // The domain, verified through DNS.
  await page.goto('/admin/sign-in');
  await accounts.ready();
  await page.getByLabel('Domain', { exact: true }).fill(domain);
  await page.getByRole('button', { name: 'Claim' }).click();
  const card = page.locator(`section[data-domain="${domain}"]`);
  const name = (await card.locator('.record-name').textContent())!.trim();
  const value = (await card.locator('.record-value').textContent())!.trim();
  expect((await page.request.post(`${control}/txt`, { data: { name, value } })).status()).toBe(204);
  await card.getByRole('button', { name: 'Verify now' }).click();
  await expect(page.locator(`section[data-domain="${domain}"]`)).toContainText('Verified');

  // Digame registered at the provider with the redirect address the page shows.
  await page.getByRole('link', { name: 'Single sign-on' }).click();
  await expect(page.getByRole('heading', { name: 'Your identity provider (OpenID Connect)' })).toBeVisible();
  const redirect = (await page.locator('.redirect-url').textContent())!.trim();
  expect(redirect).toMatch(/\/sso\/[a-z0-9-]+\/callback$/);
  const registered = await page.request.post(`${issuer}/reg`, {
    data: { redirect_uris: [redirect], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'], response_types: ['code'] },
  });
  expect(registered.status()).toBe(201);
  const client = await registered.json();

  await page.getByLabel('Issuer address').fill(issuer);
  await page.getByLabel('Client ID').fill(client.client_id);
  await page.getByLabel('Client secret').fill(client.client_secret);
  await page.getByRole('button', { name: 'Save the connection' }).click();
  await expect(page.getByText('Saved. Test the connection')).toBeVisible();
  await page.getByRole('button', { name: 'Test the connection' }).click();
  await expect(page.locator('.test-result')).toContainText(`Found the provider ${issuer}`);

  // A person at the domain signs in through the provider's own pages.
  const person = `pat.${Date.now()}@${domain}`;
  const context = await browser.newContext({ javaScriptEnabled });
  const p = await context.newPage();
  await p.goto('/login');
  await p.getByRole('link', { name: 'Sign in with your company' }).click();
  await p.getByLabel('Work email').fill(`eve@not-${domain}`);
  await p.getByRole('button', { name: 'Continue' }).click();
  await expect(p.getByText(`No company signs in through its own provider for addresses at not-${domain}`)).toBeVisible();
  await p.getByLabel('Work email').fill(person);
  await p.getByRole('button', { name: 'Continue' }).click();
  // The provider's sign-in page, with the address already in.
  await expect(p.locator('input[name="login"]')).toHaveValue(person);
  expect(p.url().startsWith(issuer)).toBe(true);
  await p.locator('input[name="password"]').fill('any password the provider accepts');
  await p.getByRole('button', { name: 'Sign-in' }).click();
  await p.getByRole('button', { name: 'Continue' }).click();
  await expect(p).toHaveURL(/\/onboarding$/);
  await p.goto('/settings/profile');
  await expect(p.getByTestId('sign-in-ways')).toContainText(`Through Acme Labs's sign-in service, as ${person}`);
  await context.close();

  await page.goto('/admin/audit');
  await expect(page.locator('tr[data-action="sso.account_created"]')).toContainText(person);
});
