import { test, expect, uniqueEmail, PASSWORD } from './fixtures';

test('@forms an admin switches a tool off and a member sees it locked with the reason', async ({ page, accounts, browser, javaScriptEnabled }) => {
  await accounts.registerVerified(uniqueEmail('admin-flags'));
  await expect(page).toHaveURL(/\/onboarding$/);

  // Invite a member, who joins through the link.
  await page.goto('/admin/members');
  await accounts.ready();
  const memberEmail = uniqueEmail('member-flags');
  await page.getByLabel('Their email').fill(memberEmail);
  await page.getByRole('button', { name: 'Create invitation' }).click();
  // With JavaScript the link appears in place; without, the page comes back showing it once.
  if (!javaScriptEnabled) await expect(page).toHaveURL(/\/admin\/members\?invited=1$/);
  const link = (await page.getByTestId('invite-link').textContent())!.trim();
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/register\?invite=/);
  if (javaScriptEnabled) {
    // One click puts it on the clipboard.
    await accounts.ready();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Copy the link' }).click();
    await expect(page.getByText('Copied.')).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  }

  await page.goto('/admin/features');
  await accounts.ready();
  await page.getByRole('button', { name: 'Switch off Meeting insights' }).click();
  await expect(page.locator('[data-flag="meeting_insights"]')).toContainText('Off');

  // The member follows the link in their mail (the development outbox shows it): it is the
  // shown link plus the proof that it reached their mailbox, so their address is confirmed.
  const memberContext = await browser.newContext({ javaScriptEnabled });
  const member = await memberContext.newPage();
  await member.goto('/dev/outbox');
  const mail = member.locator(`[data-mail="${memberEmail}"]`).filter({ hasText: 'invites you to Digame' });
  const mailed = (await mail.first().getByRole('link', { name: /register\?invite=/ }).getAttribute('href'))!;
  expect(mailed.startsWith(`${link}.`)).toBe(true);
  await member.goto(mailed);
  await expect(member.getByRole('heading', { name: 'Join Acme Labs on Digame' })).toBeVisible();
  await expect(member.getByLabel('Work email')).toHaveValue(memberEmail);
  if (javaScriptEnabled) await expect(member.locator('[data-hydrated="true"]')).toBeAttached();
  await member.getByLabel('Your name').fill('Maria Member');
  await member.getByLabel('Password').fill(PASSWORD);
  await member.getByRole('button', { name: 'Join' }).click();
  await expect(member).toHaveURL(/\/onboarding$/);
  await member.goto('/');
  await expect(member.getByRole('region', { name: 'Confirm your email address' })).toHaveCount(0);
  const card = member.locator('[data-tool="meeting_insights"]');
  await expect(card).toContainText('Switched off');
  await expect(card).toContainText('An administrator of Acme Labs can switch it on');

  // The admin sees the new member in the list.
  await page.goto('/admin/members');
  await expect(page.locator(`[data-member="${memberEmail}"]`)).toContainText('Maria Member');

  // A member opening an admin page gets the 403 page.
  const res = await member.goto('/admin/features');
  expect(res?.status()).toBe(403);
  await expect(member.getByRole('heading', { name: 'Administrators only' })).toBeVisible();
  await memberContext.close();
});

test('@forms the audit log lists changes and filters by action', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('admin-audit'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/admin/features');
  await accounts.ready();
  await page.getByRole('button', { name: 'Switch off Language tools' }).click();
  await expect(page.locator('[data-flag="language_learning_support"]')).toContainText('Off');
  await page.goto('/admin/audit');
  // In words: who did what, and what changed as a readable line.
  const row = page.locator('tr[data-action="feature.disabled"]');
  await expect(row).toContainText('switched off Language tools');
  await expect(row).toContainText('Enabled: yes → no');
  await expect(page.getByLabel('Action').locator('option', { hasText: 'Tool switched off' })).toHaveCount(1);
  await page.getByLabel('Action').selectOption('feature.disabled');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/action=feature\.disabled/);
  await expect(page.locator('tbody tr')).toHaveCount(1);
});

test('@forms an admin sets the monthly token budget and people see it on their usage page', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('admin-budget'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/admin/budgets');
  await accounts.ready();
  const budget = () => page.locator('#company').getByLabel('Monthly budget for the whole company (tokens)');
  await budget().fill('0');
  await page.locator('#company').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'A budget of 0 tokens would stop every AI call' })).toBeVisible();
  await budget().fill('2,000,000');
  await page.locator('#company').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('company-use')).toContainText('0 of 2,000,000 tokens (0 %)');
  await expect(budget()).toHaveValue('2,000,000');
  // Each person's row has its own form.
  await expect(page.locator('#people tbody tr')).toHaveCount(1);
  await page.goto('/settings/usage');
  await expect(page.getByTestId('budgets')).toContainText("Your company's budget: 0 of 2,000,000 tokens (0 %) used this month; 2,000,000 left.");
  await page.goto('/admin/audit');
  await expect(page.locator('tr[data-action="budget.changed"]')).toContainText('changed the monthly token budget');
});
