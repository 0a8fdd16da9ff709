import { test, expect } from './fixtures';

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
