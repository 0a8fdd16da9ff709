import { test, expect, uniqueEmail, PASSWORD } from './fixtures';

test('@forms a new person registers and lands on onboarding', async ({ page, accounts }) => {
  await accounts.register(uniqueEmail('register'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await expect(page.getByRole('heading', { name: 'About you' })).toBeVisible();
  await expect(page.getByTestId('signed-in-as')).toContainText('Acme Labs');
});

test('@forms a registered email is refused with a message on the email field', async ({ page, accounts, request }) => {
  const email = uniqueEmail('taken');
  const first = await request.post('/api/auth/register', {
    form: { name: 'First Person', email, password: PASSWORD, company: 'First Co' },
    headers: { accept: 'application/json' },
  });
  expect(first.status()).toBe(200);

  await accounts.register(email);
  await expect(page.getByText('That email is already registered.')).toBeVisible();
  await expect(page).toHaveURL(/\/register/);
});

test('@forms signing out ends access: a member page sends you to sign in with next', async ({ page, accounts }) => {
  await accounts.register(uniqueEmail('logout'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await accounts.signOut();
  await page.goto('/settings/security');
  await expect(page).toHaveURL(/\/login\?next=\/settings\/security$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Digame' })).toBeVisible();
});

test('@forms a wrong password shows the message and keeps you on sign-in', async ({ page, accounts }) => {
  const email = uniqueEmail('badpw');
  await accounts.register(email);
  await accounts.signOut();
  await accounts.signIn(email, 'not-my-password-9');
  await expect(page.getByRole('alert')).toContainText('That email and password do not match an account.');
  await expect(page).toHaveURL(/\/login/);
});

test('@forms signing in from a deep link returns there', async ({ page, accounts }) => {
  const email = uniqueEmail('deeplink');
  await accounts.register(email);
  await accounts.signOut();
  await page.goto('/settings/security');
  await expect(page).toHaveURL(/\/login\?next=/);
  await accounts.signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/settings\/security$/);
  await expect(page.getByRole('heading', { name: 'Change your password' })).toBeVisible();
});

test('@forms the dashboard shows each tool with what unlocks it', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('dash'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Welcome, Ana Lima' })).toBeVisible();
  await expect(page.locator('.tool-card')).toHaveCount(6);
  // Keyless tools are unlocked and open their pages; the others say which key unlocks them
  // and link straight to it.
  const tasks = page.locator('[data-tool="intelligent_task_prioritization"]');
  await expect(tasks).toContainText('Ready');
  await expect(tasks.getByRole('link', { name: 'Open Intelligent task prioritization' })).toHaveAttribute('href', '/tools/tasks');
  const email = page.locator('[data-tool="email_pattern_analysis"]');
  await expect(email).toContainText('Ready');
  await expect(email.getByRole('link', { name: 'Open Email pattern analysis' })).toHaveAttribute('href', '/tools/email');
  const writing = page.locator('[data-tool="writing_assistance"]');
  await expect(writing).toContainText('Add your key for Writing assistance (an OpenAI-compatible service key of your own) in Settings → API keys');
  await writing.getByRole('link', { name: 'Add your key' }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys#writing_service_key$/);
});

test('unknown addresses show the not-found page', async ({ page }) => {
  const res = await page.goto('/no/such/page');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('@forms "Download my data" on the profile gives one JSON file of my account', async ({ page, accounts }) => {
  const email = uniqueEmail('export');
  await accounts.register(email);
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/settings/profile');
  await accounts.ready();
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download my data' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^digame-export-\d{4}-\d{2}-\d{2}\.json$/);
  const fs = await import('node:fs/promises');
  const data = JSON.parse(await fs.readFile(await download.path(), 'utf8'));
  expect(data.profile.email).toBe(email);
});

test('@forms mail choices are saved on the profile, and a digest link stops the digest without signing in', async ({ page, accounts }) => {
  const email = uniqueEmail('mail');
  await accounts.register(email);
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/settings/profile');
  await accounts.ready();
  const mail = page.locator('#mail');
  await expect(mail.getByLabel(/Security notices/)).toBeChecked();
  await expect(mail.getByLabel(/Security notices/)).toBeDisabled();
  await mail.getByLabel(/Weekly digest/).check();
  await mail.getByLabel(/Product notices/).uncheck();
  await mail.getByRole('button', { name: 'Save my mail choices' }).click();
  await expect(page.getByText('Your mail choices are saved.')).toBeVisible();
  await page.reload();
  await expect(page.locator('#mail').getByLabel(/Weekly digest/)).toBeChecked();
  await expect(page.locator('#mail').getByLabel(/Product notices/)).not.toBeChecked();

  // A link that is not a digest's (forged, cut short) stops nothing and says so.
  await page.goto('/');
  await accounts.signOut();
  await page.goto('/unsubscribe?token=1.forged');
  await accounts.ready();
  await page.getByRole('button', { name: 'Stop the weekly digest' }).click();
  await expect(page.getByText('This unsubscribe link is not valid')).toBeVisible();
});
