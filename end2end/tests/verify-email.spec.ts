import { test, expect, uniqueEmail } from './fixtures';

// Registration mails a link to confirm the address; until it is opened the tools wait.
test('@forms register → the dashboard asks to confirm → a new link → confirm → a tool opens', async ({ page, accounts }) => {
  const email = uniqueEmail('verify');
  await accounts.register(email);
  await expect(page).toHaveURL(/\/onboarding$/);

  await page.goto('/');
  await accounts.ready();
  const notice = page.getByRole('region', { name: 'Confirm your email address' });
  await expect(notice).toBeVisible();
  await expect(notice.getByText(email)).toBeVisible();
  const tasksCard = page.locator('[data-tool="intelligent_task_prioritization"]');
  await expect(tasksCard.getByText('Confirm your email', { exact: true })).toBeVisible();

  await page.goto('/tools/tasks');
  await accounts.ready();
  await expect(page.getByText('Confirm your email address to use it')).toBeVisible();

  await page.goto('/');
  await accounts.ready();
  await notice.getByRole('button', { name: 'Send a new link' }).click();
  await expect(page.getByText('A new link is on its way')).toBeVisible();

  await page.goto('/dev/outbox');
  const mail = page.locator(`[data-mail="${email}"]`).filter({ hasText: 'Confirm your email address for Digame' });
  await expect(mail).toHaveCount(2);
  await mail.first().getByRole('link', { name: /verify-email\?token=/ }).click();
  await expect(page).toHaveURL(/\/verify-email\?token=/);
  await accounts.ready();
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(page).toHaveURL(/\/\?verified=1$/);
  await expect(page.getByText('Your email address is confirmed')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Confirm your email address' })).toHaveCount(0);

  await page.goto('/tools/tasks');
  await accounts.ready();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Task');
  await expect(page.getByText('Confirm your email address to use it')).toHaveCount(0);
});

test('@forms a used confirmation link says so', async ({ page, accounts }) => {
  const email = uniqueEmail('verify-twice');
  await accounts.registerVerified(email);
  await page.goto('/dev/outbox');
  await page.locator(`[data-mail="${email}"]`).getByRole('link', { name: /verify-email\?token=/ }).click();
  await accounts.ready();
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(page.getByText('This confirmation link has expired or was already used.')).toBeVisible();
});
