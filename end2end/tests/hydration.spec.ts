import { test, expect, uniqueEmail } from './fixtures';
import type { Page } from '@playwright/test';

// These specs are untagged, so only the `js` project runs them (see playwright.config.ts).
// Pages are server HTML; only their islands load WebAssembly, each island its own chunk.

/// Records the URLs of the WebAssembly the page fetches, and any request that failed.
function watch(page: Page) {
  const wasm: string[] = [];
  const failed: string[] = [];
  page.on('response', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname);
  });
  page.on('requestfailed', (r) => failed.push(r.url()));
  return { wasm, failed };
}

test('an island hydrates: its code takes over the server-rendered HTML', async ({ page }) => {
  const seen = watch(page);
  await page.goto('/register');
  // data-hydrated is flipped by an effect, and effects never run during server rendering.
  await expect(page.locator('leptos-island [data-hydrated]')).toHaveAttribute('data-hydrated', 'true', { timeout: 20_000 });
  expect(seen.failed).toEqual([]);
  // The island's own chunk, not the whole app.
  expect(seen.wasm.some((u) => u.includes('register_form'))).toBe(true);
});

test('client-side checks work once hydrated', async ({ page }) => {
  await page.goto('/register');
  await expect(page.locator('leptos-island [data-hydrated]')).toHaveAttribute('data-hydrated', 'true', { timeout: 20_000 });
  await page.getByLabel('Password').fill('Password123!');
  await expect(page.getByText('That password is too easy to guess.')).toBeVisible();
});

test('a page loads only its own islands; a page without islands loads no code', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('islands'));
  await expect(page).toHaveURL(/\/onboarding/);
  let seen = watch(page);
  // The email tool needs no key: its panel is an island.
  await page.goto('/tools/email');
  await expect(page.locator('leptos-island [data-hydrated]')).toHaveAttribute('data-hydrated', 'true', { timeout: 20_000 });
  expect(seen.failed).toEqual([]);
  expect(seen.wasm.some((u) => u.includes('email_panel'))).toBe(true);
  expect(seen.wasm.some((u) => u.includes('meetings_panel') || u.includes('writing_panel'))).toBe(false);

  // The dashboard is server HTML only: no island, so no WebAssembly and no script at all.
  seen = watch(page);
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(r.url());
  });
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Welcome');
  await expect(page.locator('leptos-island')).toHaveCount(0);
  await page.waitForLoadState('networkidle');
  expect(seen.wasm).toEqual([]);
  expect(scripts).toEqual([]);
});
