import { test, expect, uniqueEmail } from './fixtures';

const KEY = 'sk-e2e-PLAINTEXTcanary-1234567890-LAST';

test('@forms add a key, see it masked, test, replace and delete it', async ({ page, accounts }) => {
  const bodies: string[] = [];
  page.on('response', async (res) => {
    if (res.request().resourceType() === 'fetch' || res.request().resourceType() === 'document') {
      try { bodies.push(await res.text()); } catch { /* redirects have no body */ }
    }
  });
  await accounts.registerVerified(uniqueEmail('keys'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/settings/api-keys');
  await accounts.ready();

  const row = page.locator('[data-key="writing_service_key"]');
  await expect(row.getByText('Not set')).toBeVisible();
  await row.getByLabel('Key', { exact: true }).fill(KEY);
  await row.getByRole('button', { name: 'Save key' }).click();
  // Confirmed on the key's own card (the page comes back scrolled to it), the box cleared.
  await expect(page).toHaveURL(/#writing_service_key$/);
  await expect(row.getByRole('status')).toContainText('Key saved.');
  await expect(row).toBeInViewport();
  await expect(row.getByText('••••LAST')).toBeVisible();
  await expect(row.getByLabel('Replace with a new key')).toHaveValue('');

  await row.getByRole('button', { name: 'Test' }).click();
  await expect(row.getByText('The AI service accepted this key.')).toBeVisible();

  await row.getByLabel('Replace with a new key').fill('sk-e2e-replacement-key-NEWK');
  await row.getByRole('button', { name: 'Replace key' }).click();
  await expect(row.getByText('••••NEWK')).toBeVisible();

  await row.getByRole('link', { name: 'Delete…' }).click();
  await expect(row.getByRole('alertdialog')).toContainText('Delete Writing assistance key?');
  await row.getByRole('button', { name: 'Delete key' }).click();
  await expect(page.locator('[data-key="writing_service_key"]').getByText('Not set')).toBeVisible();

  // The plaintext is nowhere: not in the page, not in any response the browser received.
  expect(await page.content()).not.toContain('PLAINTEXTcanary');
  expect(bodies.length).toBeGreaterThan(3);
  for (const body of bodies) expect(body).not.toContain('PLAINTEXTcanary');
});

test('@forms a key with spaces is refused on its own field', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('badkey'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/settings/api-keys');
  await accounts.ready();
  const row = page.locator('[data-key="meeting_insights_service_key"]');
  await row.getByLabel('Key', { exact: true }).fill('sk with spaces 123');
  await row.getByRole('button', { name: 'Save key' }).click();
  await expect(row.getByText('API keys contain no spaces')).toBeVisible();
  await expect(row.getByText('Not set')).toBeVisible();
});

test('signed-out visitors are sent to sign in first', async ({ page }) => {
  await page.goto('/settings/api-keys');
  await expect(page).toHaveURL(/\/login\?next=\/settings\/api-keys$/);
});
