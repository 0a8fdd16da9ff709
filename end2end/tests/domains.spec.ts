import { test, expect, uniqueEmail, PASSWORD } from './fixtures';

// Verified domains: the admin claims one on Admin → Sign-in, publishes the TXT record the page
// shows (to the DNS responder scripts/test starts, through its control port), verifies it,
// opens it to joins; a person at that domain asks on /join, follows the mailed link and is a
// member. JavaScript on and off.
const control = process.env.DIGAME_E2E_DNS_CONTROL;

test('@forms a company verifies its domain and a person at it joins from /join', async ({ page, accounts, browser, javaScriptEnabled }) => {
  // No silent skip: without the responder this run cannot verify a domain, so it says so and fails.
  if (!control) throw new Error('DIGAME_E2E_DNS_CONTROL is not set: start end2end/dns-responder.mjs (scripts/test does) and pass its control address');
  const domain = `acme-${Date.now()}-${Math.floor(Math.random() * 1e6)}.test`;
  await accounts.registerVerified(uniqueEmail('admin-domains'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/admin/sign-in');
  await accounts.ready();
  await page.getByLabel('Domain', { exact: true }).fill(domain.toUpperCase());
  await page.getByRole('button', { name: 'Claim' }).click();
  const card = page.locator(`section[data-domain="${domain}"]`);
  await expect(card).toContainText('Not verified yet');
  const name = (await card.locator('.record-name').textContent())!.trim();
  const value = (await card.locator('.record-value').textContent())!.trim();
  expect(name).toBe(`_digame-verification.${domain}`);

  // Before the record is published, the page says what is missing.
  await card.getByRole('button', { name: 'Verify now' }).click();
  await expect(page.getByRole('alert').filter({ hasText: `No TXT record was found at ${name}` })).toBeVisible();

  const published = await page.request.post(`${control}/txt`, { data: { name, value } });
  expect(published.status()).toBe(204);
  await page.locator(`section[data-domain="${domain}"]`).getByRole('button', { name: 'Verify now' }).click();
  await expect(page.locator(`section[data-domain="${domain}"]`)).toContainText('Verified');
  await page.locator(`section[data-domain="${domain}"]`).getByRole('button', { name: 'Let them join without an invitation' }).click();
  await expect(page.locator(`section[data-domain="${domain}"]`)).toContainText(`Now: anyone with an address at ${domain} may join`);

  // A person at the domain asks for a link, and joins with it.
  const newcomer = `rui.${Date.now()}@${domain}`;
  const context = await browser.newContext({ javaScriptEnabled });
  const person = await context.newPage();
  await person.goto('/login');
  await person.getByRole('link', { name: 'join your company' }).click();
  await expect(person.getByRole('heading', { name: 'Join your company on Digame' })).toBeVisible();
  await person.getByLabel('Work email').fill(`eva@not-${domain}`);
  await person.getByRole('button', { name: 'Mail me a link' }).click();
  await expect(person.getByText(`No company on Digame lets people with an address at not-${domain} join`)).toBeVisible();
  await person.getByLabel('Work email').fill(newcomer);
  await person.getByRole('button', { name: 'Mail me a link' }).click();
  await expect(person.getByText(`A link to join is on its way to ${newcomer}`)).toBeVisible();

  await person.goto('/dev/outbox');
  const mail = person.locator(`[data-mail="${newcomer}"]`).filter({ hasText: 'Join Acme Labs on Digame' });
  const link = (await mail.first().getByRole('link', { name: /register\?invite=/ }).getAttribute('href'))!;
  await person.goto(link);
  await expect(person.getByRole('heading', { name: 'Join Acme Labs on Digame' })).toBeVisible();
  await expect(person.getByLabel('Work email')).toHaveValue(newcomer);
  if (javaScriptEnabled) await expect(person.locator('[data-hydrated="true"]')).toBeAttached();
  await person.getByLabel('Your name').fill('Rui Costa');
  await person.getByLabel('Password').fill(PASSWORD);
  await person.getByRole('button', { name: 'Join' }).click();
  await expect(person).toHaveURL(/\/onboarding$/);
  await context.close();

  await page.goto('/admin/members');
  await expect(page.locator(`[data-member="${newcomer}"]`)).toContainText('Rui Costa');
  await page.goto('/admin/audit');
  await expect(page.locator('tr[data-action="domain.verified"]')).toContainText(`verified the domain ${domain}`);
});
