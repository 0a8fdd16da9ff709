import { test, expect, uniqueEmail } from './fixtures';

function inDays(n: number): string {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

test('@forms add three tasks, see suggested priorities with reasons, save them, see the new order', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('tasks'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/');
  await page.getByRole('link', { name: 'Open Intelligent task prioritization' }).click();
  await expect(page).toHaveURL(/\/tools\/tasks$/);
  await accounts.ready();
  await expect(page.getByRole('heading', { name: 'Tasks', level: 1 })).toBeVisible();

  const add = async (title: string, due: string, status: string) => {
    await page.getByLabel('Title').fill(title);
    if (due) await page.getByLabel('Due date (optional)').fill(due);
    await page.getByLabel('Status').selectOption(status);
    await page.getByRole('button', { name: 'Add task' }).click();
    await expect(page.locator(`tr[data-task="${title}"]`)).toBeVisible();
    await accounts.ready();
  };
  await add('Not urgent: tidy the wiki', inDays(5), 'todo');
  await add('URGENT: fix the login', inDays(-2), 'in_progress');
  await add('Someday maybe', '', 'suggested');
  // The form starts empty for each new task: no due date carried over.
  await expect(page.locator('tr[data-task="Someday maybe"] td').nth(1)).toHaveText('—');

  // A bad entry gets its message on the field and adds nothing.
  await page.getByLabel('Title').fill('   ');
  await page.getByRole('button', { name: 'Add task' }).click();
  await expect(page.getByText('Give the task a title.')).toBeVisible();
  await expect(page.locator('tr[data-task]')).toHaveCount(3);

  await page.getByRole('link', { name: 'Suggest priorities' }).click();
  await accounts.ready();
  const rows = page.locator('tr[data-suggestion]');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText('URGENT: fix the login');
  await expect(rows.first()).toContainText('+54 overdue by 2 days, +15 “urgent”, +10 in progress');
  await expect(rows.first().locator('strong')).toHaveText('79');
  // "Not urgent" is a negation: it earns nothing for urgency.
  await expect(page.locator('tr[data-suggestion="Not urgent: tidy the wiki"]')).not.toContainText('“urgent”');

  await page.getByRole('button', { name: 'Save all suggestions' }).click();
  await expect(page.getByText('Saved 3 suggested priorities.')).toBeVisible();
  await accounts.ready();
  const first = page.locator('tr[data-task]').first();
  await expect(first).toHaveAttribute('data-task', 'URGENT: fix the login');
  await expect(first.locator('td[data-priority]')).toHaveText('79');

  // Complete it: it moves out of the open tasks' order but stays listed as done.
  await first.getByRole('button', { name: 'Done' }).click();
  await accounts.ready();
  await expect(page.locator('tr[data-task="URGENT: fix the login"]')).toContainText('Done');

  // Edit one: the form opens prefilled and closes once saved.
  await page.locator('tr[data-task="Someday maybe"]').getByRole('link', { name: 'Edit' }).click();
  await accounts.ready();
  await expect(page.getByRole('heading', { name: 'Edit “Someday maybe”' })).toBeVisible();
  await page.locator('#edit-title').fill('Someday, maybe later');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('tr[data-task="Someday, maybe later"]')).toBeVisible();
  await expect(page.getByRole('heading', { name: /^Edit / })).toHaveCount(0);
});
