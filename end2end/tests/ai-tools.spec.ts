import { test, expect, uniqueEmail, storeKey } from './fixtures';
import type { Page } from '@playwright/test';

// The e2e server runs with DIGAME_AI_DEMO=true: the tools answer from the built-in test
// AI service, deterministically.

async function signUp(page: Page, accounts: { register(e: string): Promise<void> }, tag: string) {
  await accounts.registerVerified(uniqueEmail(tag));
  await expect(page).toHaveURL(/\/onboarding$/);
}

test('writing: a locked panel says what unlocks it; with a key, suggestions are applied one by one and all at once', async ({ page, accounts }) => {
  await signUp(page, accounts, 'writing');
  await page.goto('/tools/writing');
  await accounts.ready();
  const locked = page.locator('[data-locked]');
  await expect(locked).toContainText('Add your key for Writing assistance');
  await locked.getByRole('link', { name: 'Add your key' }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys#writing_service_key$/);

  await storeKey(page, 'writing_service_key');
  await page.goto('/tools/writing');
  await accounts.ready();
  await expect(page.locator('[data-demo]')).toContainText('built-in test service');
  const box = page.getByLabel('Your text');
  await box.fill('We utilize very good tools and and more.');
  await expect(page.getByText('40 / 5000 characters')).toBeVisible();
  await page.getByRole('button', { name: 'Check my writing' }).click();
  const result = page.locator('[data-result]');
  await expect(result.getByRole('heading', { name: 'Suggestions (3)' })).toBeVisible();
  await expect(result.locator('mark')).toHaveCount(3);

  await result.getByRole('button', { name: 'Apply “use”' }).click();
  await expect(box).toHaveValue('We use very good tools and and more.');
  await expect(result.locator('mark')).toHaveCount(2);
  await result.getByRole('button', { name: 'Apply all' }).click();
  await expect(box).toHaveValue('We use good tools and more.');
  // The edited text is one click from the clipboard.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy the text' }).click();
  await expect(page.getByText('Copied.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('We use good tools and more.');
});

test('writing: progress shows while waiting, cancel stops it, a failure keeps the text', async ({ page, accounts }) => {
  await signUp(page, accounts, 'writing-fail');
  await storeKey(page, 'writing_service_key');
  await page.goto('/tools/writing');
  await accounts.ready();
  const box = page.getByLabel('Your text');
  await box.fill('very slow [[fake:slow]]');
  await page.getByRole('button', { name: 'Check my writing' }).click();
  await expect(page.getByText('Reading your text…')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByText('Reading your text…')).toHaveCount(0);
  await expect(box).toHaveValue('very slow [[fake:slow]]');

  await box.fill('very good [[fake:500]]');
  await page.getByRole('button', { name: 'Check my writing' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'could not read' })).toBeVisible();
  await expect(box).toHaveValue('very good [[fake:500]]');

  await box.fill('   ');
  await page.getByRole('button', { name: 'Check my writing' }).click();
  await expect(page.getByText('Enter some text first.')).toBeVisible();
});

test('style, meetings and language panels answer, and the admin sees the usage', async ({ page, accounts }) => {
  await signUp(page, accounts, 'panels');
  for (const key of ['communication_style_service_key', 'meeting_insights_service_key', 'language_learning_api_key']) {
    await storeKey(page, key);
  }

  await page.goto('/tools/style');
  await accounts.ready();
  await page.getByLabel('Your text').fill('Thanks so much! Maybe we could meet on Friday.');
  await page.getByRole('button', { name: 'Analyse the style' }).click();
  await expect(page.locator('[data-category="friendly"]')).toContainText('%');
  await expect(page.locator('[data-readability]')).toContainText('9 words');

  await page.goto('/tools/meetings');
  await accounts.ready();
  await page.getByLabel('Notes or transcript').fill(
    'Launch planning\nBudget is tight\nDecision: ship on the 1st\nAction: Ana - send the draft by 2026-12-01',
  );
  await page.getByRole('button', { name: 'Get the insights' }).click();
  await expect(page.locator('[data-summary]')).toContainText('Launch planning');
  const download = page.getByRole('link', { name: 'Download as Markdown' });
  await expect(download).toHaveAttribute('download', 'meeting-notes.md');
  await expect(download).toHaveAttribute('href', /^data:text\/markdown/);
  await page.locator('[data-action-item="send the draft"]').getByRole('button', { name: 'Add to my tasks' }).click();
  await expect(page.getByText('Added “send the draft” to your tasks')).toBeVisible();
  // Its button says so, and a second click cannot add it again.
  await expect(page.locator('[data-action-item="send the draft"]').getByRole('button', { name: 'Added' })).toBeDisabled();

  await page.goto('/tools/language');
  await accounts.ready();
  await page.getByLabel('Text to translate').fill('Hello world');
  await page.getByLabel('Into').selectOption('es');
  await page.getByRole('button', { name: 'Translate' }).click();
  await expect(page.locator('[data-result="translation"]')).toContainText('[es] hola mundo');
  await expect(page.locator('[data-result="translation"]')).toContainText('(detected)');
  await page.getByLabel('Word or short phrase').fill('quickly');
  await page.getByRole('button', { name: 'Define' }).click();
  await expect(page.locator('[data-result="definition"]')).toContainText('adverb');

  await page.goto('/admin/ai');
  await accounts.ready();
  await expect(page.locator('svg.chart')).toBeVisible();
  await expect(page.locator('[data-usage-total]')).toHaveAttribute('data-usage-total', '4');
  await expect(page.locator('tr[data-tool="meeting_insights"]')).toContainText('1');
});

test('the meeting answer streams in as it is written, and can be cancelled', async ({ page, accounts }) => {
  await signUp(page, accounts, 'meeting-stream');
  await storeKey(page, 'meeting_insights_service_key');
  await page.goto('/tools/meetings');
  await accounts.ready();
  // The test service sends this answer in pieces 150 ms apart.
  const notes = 'Quarterly roadmap review with the whole product group [[fake:slow-stream]]\nDecision: keep the March date\nAction: Ben - book the room';
  await page.getByLabel('Notes or transcript').fill(notes);
  await page.getByRole('button', { name: 'Get the insights' }).click();
  const draft = page.locator('[data-draft-summary]');
  await expect(draft).toBeVisible();
  await expect(page.getByText('Reading the notes…')).toBeVisible();
  const early = (await draft.textContent()) ?? '';
  await expect.poll(async () => ((await draft.textContent()) ?? '').length).toBeGreaterThan(early.length);
  // The checked answer replaces the draft.
  await expect(page.locator('[data-summary]')).toContainText('Quarterly roadmap review');
  await expect(page.locator('[data-draft]')).toHaveCount(0);
  await expect(page.locator('[data-action-item="book the room"]')).toBeVisible();

  // A reload while the next answer streams loses neither the notes nor the answer: the
  // server finishes it and the page shows it when it is done.
  const second = notes.replace('Quarterly', 'Yearly');
  await page.getByLabel('Notes or transcript').fill(second);
  await page.getByRole('button', { name: 'Get the insights' }).click();
  await expect(page.locator('[data-draft-summary]')).toBeVisible();
  await page.reload();
  await accounts.ready();
  await expect(page.getByLabel('Notes or transcript')).toHaveValue(second);
  await expect(page.locator('[data-summary]')).toContainText('Yearly roadmap review', { timeout: 20_000 });
  await expect(page.locator('[data-still-answering]')).toHaveCount(0);

  // Cancelled while it streams: no answer, the notes kept, the form ready again.
  await page.getByLabel('Notes or transcript').fill(notes.replace('Quarterly', 'Monthly'));
  await page.getByRole('button', { name: 'Get the insights' }).click();
  await expect(page.locator('[data-draft-summary]')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator('[data-draft]')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Get the insights' })).toBeEnabled();
  await expect(page.getByLabel('Notes or transcript')).toHaveValue(notes.replace('Quarterly', 'Monthly'));
  await expect(page.locator('[data-summary]')).toContainText('Yearly roadmap review');
  await expect(page.locator('[data-summary]')).not.toContainText('Monthly');
});

test('writing: a reload while the suggestions stream says they are coming, then shows them', async ({ page, accounts }) => {
  await signUp(page, accounts, 'writing-reload');
  await storeKey(page, 'writing_service_key');
  await page.goto('/tools/writing');
  await accounts.ready();
  // The test service sends this answer in pieces 150 ms apart.
  const text = 'Reloaded while written [[fake:slow-stream]] ' + Array(4).fill('We utilize very good tools.').join(' ');
  await page.getByLabel('Your text').fill(text);
  await page.getByRole('button', { name: 'Check my writing' }).click();
  await expect(page.locator('[data-draft]')).toBeVisible();
  await page.reload();
  await accounts.ready();
  await expect(page.getByLabel('Your text')).toHaveValue(text);
  await expect(page.locator('[data-still-answering]')).toContainText('Your last text is still being read.');
  // Without another reload, the answer appears once the server kept it.
  await expect(page.locator('[data-result]').getByRole('heading', { name: /Suggestions/ })).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('[data-still-answering]')).toHaveCount(0);
});

test('@forms the writing and language tools answer with and without JavaScript', async ({ page, accounts }) => {
  await signUp(page, accounts, 'tools-forms');
  await storeKey(page, 'writing_service_key');
  await storeKey(page, 'language_learning_api_key');
  await page.goto('/tools/writing');
  await accounts.ready();
  await page.getByLabel('Your text').fill('We utilize it.');
  await page.getByRole('button', { name: 'Check my writing' }).click();
  await expect(page.getByRole('heading', { name: 'Suggestions (1)' })).toBeVisible();
  await expect(page.getByLabel('Your text')).toHaveValue('We utilize it.');
  // A reload keeps the text and the answer that was paid for.
  await page.reload();
  await accounts.ready();
  await expect(page.getByRole('heading', { name: 'Suggestions (1)' })).toBeVisible();
  await expect(page.getByLabel('Your text')).toHaveValue('We utilize it.');

  await page.goto('/tools/language');
  await accounts.ready();
  await page.getByLabel('Text to translate').fill('good morning');
  await page.getByLabel('Into').selectOption('de');
  await page.getByRole('button', { name: 'Translate' }).click();
  await expect(page.locator('[data-result="translation"]')).toContainText('[de] guten Morgen');
  await expect(page.getByLabel('Into')).toHaveValue('de');

  // Back to the writing page: its last answer is still there.
  await page.goto('/tools/writing');
  await accounts.ready();
  await expect(page.getByRole('heading', { name: 'Suggestions (1)' })).toBeVisible();
  await page.goBack();
  await accounts.ready();
  await expect(page.locator('[data-result="translation"]')).toContainText('[de] guten Morgen');
});

const TRANSCRIPT = 'WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nLaunch review\n\n2\n00:00:05.000 --> 00:00:08.000\nAction: Ana - send the draft by 2026-12-01\n';

test('@forms a meeting transcript is uploaded as a .vtt file, with and without JavaScript', async ({ page, accounts, javaScriptEnabled }) => {
  await signUp(page, accounts, 'meeting-file');
  await storeKey(page, 'meeting_insights_service_key');
  await page.goto('/tools/meetings');
  await accounts.ready();
  await page.getByLabel('Or upload the notes (.txt) or a transcript (.vtt)').setInputFiles({
    name: 'standup.vtt', mimeType: 'text/vtt', buffer: Buffer.from(TRANSCRIPT),
  });
  await page.getByRole('button', { name: 'Analyse the file' }).click();
  await expect(page.locator('[data-summary]')).toContainText('Launch review');
  await expect(page.locator('[data-action-item="send the draft"]')).toBeVisible();
  // The spoken text is in the box, without the timings.
  await expect(page.getByLabel('Notes or transcript')).toHaveValue('Launch review\nAction: Ana - send the draft by 2026-12-01');
  if (!javaScriptEnabled) await expect(page).toHaveURL(/\/tools\/meetings\?answered=1$/);
});

test('@forms an admin allows a fallback model and a person chooses it for their calls', async ({ page, accounts }) => {
  await signUp(page, accounts, 'model-choice');
  await storeKey(page, 'writing_service_key');
  await page.goto('/admin/ai');
  await accounts.ready();
  const form = page.locator('[data-endpoint="writing_assistance"]');
  await form.getByLabel('Fallback models').fill('fake-b');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('[data-endpoint="writing_assistance"]').getByLabel('Fallback models')).toHaveValue('fake-b');

  await page.goto('/settings/profile');
  await accounts.ready();
  const choice = page.locator('[data-tool="writing_assistance"]');
  await choice.getByLabel('Writing assistance').selectOption('fake-b');
  await choice.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Your model choice is saved.')).toBeVisible();
  await expect(page.locator('[data-tool="writing_assistance"]').getByLabel('Writing assistance')).toHaveValue('fake-b');

  await page.goto('/tools/writing');
  await accounts.ready();
  await page.getByLabel('Your text').fill('We utilize it.');
  await page.getByRole('button', { name: 'Check my writing' }).click();
  await expect(page.getByRole('heading', { name: 'Suggestions (1)' })).toBeVisible();
  await page.goto('/settings/usage');
  await expect(page.locator('td[data-label="Model"]').first()).toHaveText('fake-b');
});

test('@forms an admin sets a second service and a person with a key for it gets answers when the first is down', async ({ page, accounts }) => {
  await signUp(page, accounts, 'second-service');
  await storeKey(page, 'writing_service_key');
  await page.goto('/admin/ai');
  await accounts.ready();
  const form = () => page.locator('[data-endpoint="writing_assistance"]');
  const first = await form().getByLabel('API address', { exact: true }).first().inputValue();
  // The built-in test service under another name: a second address. Its first model is down.
  const second = first.replace('127.0.0.1', 'localhost');
  await form().getByLabel('Model', { exact: true }).first().fill('down-first');
  await form().locator('summary').click();
  const secondService = () => form().locator('details.second-service');
  await secondService().getByLabel('API address', { exact: true }).fill(first);
  await secondService().getByLabel('Model', { exact: true }).fill('fake-second');
  await form().getByRole('button', { name: 'Save' }).click();
  // Refused beside the field, the form kept as it was.
  await expect(secondService().locator('.field-error')).toContainText('The second service needs another address than the first');
  await form().getByLabel('Model', { exact: true }).first().fill('down-first');
  await secondService().getByLabel('Model', { exact: true }).fill('fake-second');
  await secondService().getByLabel('API address', { exact: true }).fill(second);
  await form().getByRole('button', { name: 'Save' }).click();
  await expect(form().locator('summary')).toHaveText('Second service (failover): set');
  await expect(secondService().getByLabel('API address', { exact: true })).toHaveValue(second);

  // The person's key for it, on their key page, goes only to that address.
  await page.goto('/settings/api-keys');
  await accounts.ready();
  const row = page.locator('#writing_second_service_key');
  await expect(row).toContainText('Writing assistance key for the second service');
  await expect(row.locator('[data-goes-to]')).toContainText(second);
  await row.getByLabel('Key', { exact: true }).fill('sk-e2e-second-0123456789');
  await row.getByRole('button', { name: 'Save key' }).click();
  await expect(page.locator('#writing_second_service_key')).toContainText('Stored');

  await page.goto('/tools/writing');
  await accounts.ready();
  await page.getByLabel('Your text').fill('We utilize it.');
  await page.getByRole('button', { name: 'Check my writing' }).click();
  await expect(page.getByRole('heading', { name: 'Suggestions (1)' })).toBeVisible();
  await page.goto('/settings/usage');
  // The call answered by the second service's model; the first's failed attempt beside it.
  await expect(page.locator('td[data-label="Model"]').filter({ hasText: 'fake-second' })).toHaveCount(1);
  await expect(page.locator('td[data-label="Model"]').filter({ hasText: 'down-first' })).toHaveCount(1);
});
