import { test, expect, uniqueEmail } from './fixtures';

test('@forms an admin limits a tool to a group and the dashboard says who it is for', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('admin-groups'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/admin/groups');
  await accounts.ready();
  await expect(page.getByText('Make a group first to limit a tool to it.')).toBeVisible();

  await page.getByLabel("New group's name").fill('Sales');
  await page.getByRole('button', { name: 'Make group' }).click();
  await expect(page.getByRole('heading', { name: 'Sales', exact: true })).toBeVisible();
  // The same name in another case is refused, saying why.
  await page.getByLabel("New group's name").fill('SALES');
  await page.getByRole('button', { name: 'Make group' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'already has a group called SALES' })).toBeVisible();

  // Task prioritisation for Sales only: the admin, in no group, finds it locked with the reason.
  const tasks = page.locator('#tool-intelligent_task_prioritization');
  await tasks.getByLabel('Sales').check();
  await tasks.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#tool-intelligent_task_prioritization')).toContainText('Now: only the groups ticked.');
  // The earlier form's error went with the later form's success.
  await expect(page.getByRole('alert').filter({ hasText: 'already has a group called SALES' })).toHaveCount(0);
  await page.goto('/');
  const card = page.locator('[data-tool="intelligent_task_prioritization"]');
  await expect(card).toContainText('For other groups');
  await expect(card).toContainText('Intelligent task prioritization is for the Sales group at Acme Labs');

  // Added to Sales, the admin can use it.
  await page.goto('/admin/groups');
  await accounts.ready();
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('button', { name: /^Take .* out of Sales$/ })).toBeVisible();
  await expect(page.locator('section').filter({ has: page.getByRole('heading', { name: 'Sales', exact: true }) })).toContainText('1 person');
  await page.goto('/');
  await expect(page.locator('[data-tool="intelligent_task_prioritization"]')).toContainText('Ready');

  await page.goto('/admin/audit');
  await expect(page.locator('tr[data-action="feature.groups_changed"]')).toContainText('changed which groups may use Intelligent task prioritization');
});

test('@forms an admin gives a group a monthly budget and its people see it on their usage page', async ({ page, accounts }) => {
  await accounts.registerVerified(uniqueEmail('admin-group-budget'));
  await expect(page).toHaveURL(/\/onboarding$/);
  await page.goto('/admin/budgets');
  await accounts.ready();
  await expect(page.getByTestId('no-groups')).toContainText('There are no groups yet.');

  await page.goto('/admin/groups');
  await accounts.ready();
  await page.getByLabel("New group's name").fill('Research');
  await page.getByRole('button', { name: 'Make group' }).click();
  await expect(page.getByRole('heading', { name: 'Research', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('button', { name: /^Take .* out of Research$/ })).toBeVisible();

  await page.goto('/admin/budgets');
  await accounts.ready();
  const row = page.locator('#groups tr[data-group="Research"]');
  await expect(row).toContainText('1 person');
  await expect(row).toContainText('Counted once it has a budget');
  const budget = () => row.getByLabel('Monthly budget for the Research group');
  await budget().fill('0');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'A budget of 0 tokens would stop every AI call' })).toBeVisible();
  await budget().fill('50,000');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#groups tr[data-group="Research"]')).toContainText('0 of 50,000 tokens (0 %)');
  await expect(budget()).toHaveValue('50,000');

  await page.goto('/settings/usage');
  await expect(page.getByTestId('budgets').locator('[data-scope="group"]')).toContainText(
    "The Research group's budget: 0 of 50,000 tokens (0 %) used this month; 50,000 left.",
  );
  await page.goto('/admin/audit');
  await expect(page.locator('tr[data-action="budget.changed"]')).toContainText('Research (group)');
});
