import { test, expect, uniqueEmail, PASSWORD } from './fixtures';
import type { Page } from '@playwright/test';

async function next(page: Page, heading: string) {
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
}

test('@forms a new person goes through the wizard, resumes, edits and sees recommendations', async ({ page, accounts }) => {
  const email = uniqueEmail('wizard');
  await accounts.register(email);
  await expect(page).toHaveURL(/\/onboarding$/);
  await accounts.ready();
  await expect(page.getByText('Step 1 of 5')).toBeVisible();

  await page.getByLabel('Your role', { exact: true }).selectOption('team_lead');
  await page.getByLabel('Primary language').fill('Portuguese');
  await next(page, 'Goals');
  await expect(page).toHaveURL(/step=goals/);
  await page.getByLabel('Run better meetings').check();
  await page.getByLabel('Learn a language').check();
  await next(page, 'Preferences');

  // Reload mid-way: the same step, and going back shows the saved answers.
  await page.reload();
  await accounts.ready();
  await expect(page.getByRole('heading', { name: 'Preferences', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByRole('heading', { name: 'Goals', level: 1 })).toBeVisible();
  await expect(page.getByLabel('Run better meetings')).toBeChecked();
  await next(page, 'Preferences');

  await page.getByLabel('Tone of suggestions').selectOption('casual');
  await page.getByLabel('Level of detail').selectOption('brief');
  await next(page, 'Your tools');
  const meetings = page.locator('.tool-choice[data-tool="meeting_insights"]');
  await expect(meetings).toContainText('Recommended because you chose “Run better meetings” and you are a team lead');
  await meetings.getByRole('checkbox').check();
  await page.locator('.tool-choice[data-tool="language_learning_support"]').getByRole('checkbox').check();
  await next(page, 'Review');

  // Edit from the review page: jump back to a step, change it, come forward again.
  await page.getByRole('link', { name: 'Edit preferences' }).click();
  await expect(page.getByRole('heading', { name: 'Preferences', level: 1 })).toBeVisible();
  await accounts.ready();
  await page.getByLabel('Tone of suggestions').selectOption('formal');
  await next(page, 'Your tools');
  await next(page, 'Review');
  await expect(page.locator('.review')).toContainText('Formal tone');
  await page.getByRole('button', { name: 'Finish' }).click();

  await expect(page).toHaveURL(/\/\?welcome=1$/);
  const picks = page.locator('.pick-list li');
  await expect(picks).toHaveCount(2);
  await expect(picks.first()).toContainText('Meeting insights');
  await expect(picks.nth(1)).toContainText('Language tools');
});

test('@forms signing out mid-way and back in resumes at the same step', async ({ page, accounts }) => {
  const email = uniqueEmail('resume');
  await accounts.register(email);
  await expect(page).toHaveURL(/\/onboarding$/);
  await accounts.ready();
  await page.getByLabel('Your role', { exact: true }).selectOption('student');
  await next(page, 'Goals');
  await accounts.signOut();
  await accounts.signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/onboarding$/);
  await expect(page.getByRole('heading', { name: 'Goals', level: 1 })).toBeVisible();
});

test('@forms bad answers get a message on the field', async ({ page, accounts }) => {
  await accounts.register(uniqueEmail('badanswer'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await accounts.ready();
  await page.getByLabel('Your role', { exact: true }).selectOption('other');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByText('Tell us your role in a few words.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'About you', level: 1 })).toBeVisible();
});

test('@forms skip the wizard, then reopen it from the profile', async ({ page, accounts }) => {
  await accounts.register(uniqueEmail('skip'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await accounts.ready();
  await page.getByRole('button', { name: 'Leave the setup, go to my tools' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('link', { name: 'open the setup' })).toBeVisible();
  await page.goto('/settings/profile');
  await page.getByRole('link', { name: 'Reopen the setup wizard' }).click();
  await expect(page.getByRole('heading', { name: 'About you', level: 1 })).toBeVisible();
});

test('@forms an admin sees the onboarding funnel', async ({ page, accounts }) => {
  await accounts.register(uniqueEmail('funnel'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/admin/onboarding');
  await expect(page.getByRole('heading', { name: 'Onboarding funnel' })).toBeVisible();
  await expect(page.locator('tr[data-step="about"] td').first()).toHaveText('1');
});
