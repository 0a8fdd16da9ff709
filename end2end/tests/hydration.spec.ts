import { test, expect, uniqueEmail } from './fixtures';

// These specs are untagged, so only the `js` project runs them (see playwright.config.ts).
test('the page hydrates: the WebAssembly app takes over the server-rendered HTML', async ({ page }) => {
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(r.url()));
  await page.goto('/');
  // data-hydrated is flipped by an effect, and effects never run during server rendering.
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'true');
  expect(failed).toEqual([]);
});

test('client-side checks work once hydrated', async ({ page }) => {
  await page.goto('/register');
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Password').fill('Password123!');
  await expect(page.getByText('That password is too easy to guess.')).toBeVisible();
});

test('a page loaded on demand hydrates from its own chunk', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('lazy'));
  await expect(page).toHaveURL(/\/onboarding/);
  const chunks: string[] = [];
  page.on('response', (r) => {
    if (/\/pkg\/split_.*\.wasm/.test(r.url())) chunks.push(r.url());
  });
  await page.goto('/settings/api-keys');
  // The frame hydrates from the main bundle; the page's own mark only once its chunk ran.
  await expect(page.locator('.app')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator('main [data-hydrated]')).toHaveAttribute('data-hydrated', 'true', { timeout: 20_000 });
  expect(chunks.some((u) => u.includes('api_keys_route'))).toBe(true);
  // Moving on inside the app loads the next page's chunk in place.
  await page.getByRole('link', { name: 'Security', exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/security$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(/security|password/i);
  await expect(page.locator('main [data-hydrated]')).toHaveAttribute('data-hydrated', 'true');
  expect(chunks.some((u) => u.includes('security_route'))).toBe(true);
});
