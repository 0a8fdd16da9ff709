// Takes screenshots of the main pages for review and for the README, against a server in
// demo mode (DIGAME_AI_DEMO=true, e.g. ./scripts/run --demo):
//   node end2end/screenshots.mjs http://127.0.0.1:3000 docs/screenshots
import { createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';

// The code an authenticator app shows for a base32 `secret`, `offset` steps from now.
function totp(secret, offset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const bytes = [];
  for (const c of secret) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { bits -= 8; bytes.push((value >> bits) & 0xff); }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + offset));
  const hash = createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const at = hash[19] & 0x0f;
  return ((hash.readUInt32BE(at) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}

const base = process.argv[2] ?? 'http://127.0.0.1:3000';
const out = process.argv[3] ?? 'docs/screenshots';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const shot = async (page, name) => page.screenshot({ path: `${out}/${name}.png`, fullPage: true });

const desktop = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await desktop.goto(`${base}/`);
await shot(desktop, 'landing');
await desktop.goto(`${base}/register`);
await desktop.locator('[data-hydrated="false"]').waitFor({ state: 'detached' });
await desktop.getByLabel('Password').fill('Password123!');
await shot(desktop, 'register-errors');
const email = `screens.${Date.now()}@example.com`;
await desktop.getByLabel('Your name').fill('Ana Lima');
await desktop.getByLabel('Work email').fill(email);
await desktop.getByLabel('Password').fill('amber-kettle-orbit-73');
await desktop.getByLabel('Company name').fill('Acme Labs');
await desktop.getByRole('button', { name: 'Create account' }).click();
await desktop.waitForURL(/onboarding/);
await desktop.locator('[data-hydrated="false"]').waitFor({ state: 'detached' });
await shot(desktop, 'onboarding');
await desktop.getByLabel('Your role', { exact: true }).selectOption('team_lead');
await desktop.getByLabel('Primary language').fill('Portuguese');
await desktop.getByRole('button', { name: 'Next' }).click();
await desktop.getByRole('heading', { name: 'Goals', level: 1 }).waitFor();
await desktop.getByLabel('Run better meetings').check();
await desktop.getByLabel('Prioritise my work').check();
await desktop.getByRole('button', { name: 'Next' }).click();
await desktop.getByRole('heading', { name: 'Preferences', level: 1 }).waitFor();
await desktop.getByLabel('Tone of suggestions').selectOption('neutral');
await desktop.getByLabel('Level of detail').selectOption('detailed');
await desktop.getByRole('button', { name: 'Next' }).click();
await desktop.getByRole('heading', { name: 'Your tools', level: 1 }).waitFor();
await desktop.locator('.tool-choice[data-tool="meeting_insights"]').getByRole('checkbox').check();
await desktop.locator('.tool-choice[data-tool="intelligent_task_prioritization"]').getByRole('checkbox').check();
await shot(desktop, 'onboarding-tools');
await desktop.getByRole('button', { name: 'Next' }).click();
await desktop.getByRole('heading', { name: 'Review', level: 1 }).waitFor();
await shot(desktop, 'onboarding-review');
await desktop.getByRole('button', { name: 'Finish' }).click();
await desktop.waitForURL(/welcome=1/);
await desktop.goto(`${base}/`);
await shot(desktop, 'dashboard-unconfirmed');
await desktop.goto(`${base}/dev/outbox`);
await desktop.locator(`[data-mail="${email}"]`).filter({ hasText: 'Confirm your email address' }).getByRole('link').click();
await desktop.locator('[data-hydrated="false"]').waitFor({ state: 'detached' });
await shot(desktop, 'verify-email');
await desktop.getByRole('button', { name: 'Confirm my address' }).click();
await desktop.waitForURL(/verified=1/);
await desktop.goto(`${base}/settings/security`);
await desktop.getByLabel('Current password').fill('wrong-password-xx');
await desktop.getByLabel('New password', { exact: true }).fill('violet-harbor-lantern-42');
await desktop.getByLabel('Repeat the new password').fill('violet-harbor-lantern-42');
await desktop.locator('[data-hydrated="false"]').waitFor({ state: 'detached' });
await desktop.getByRole('button', { name: 'Change password' }).click();
await desktop.getByText('Your current password is not correct.').waitFor();
await shot(desktop, 'security-error');
await desktop.goto(`${base}/settings/api-keys`);
await desktop.locator('[data-hydrated="false"]').waitFor({ state: 'detached' });
const writing = desktop.locator('[data-key="writing_service_key"]');
await writing.getByLabel('Key', { exact: true }).fill('sk-demo-key-for-screens-ABCD');
await writing.getByRole('button', { name: 'Save key' }).click();
await writing.getByText('••••ABCD').waitFor();
const style = desktop.locator('[data-key="communication_style_service_key"]');
await style.getByLabel('Key', { exact: true }).fill('has spaces in it');
await style.getByRole('button', { name: 'Save key' }).click();
await style.getByText('no spaces').waitFor();
await writing.getByRole('button', { name: 'Test' }).click();
await writing.getByText('accepted this key').waitFor();
await shot(desktop, 'api-keys');
await desktop.goto(`${base}/settings/api-keys?delete=writing_service_key`);
await shot(desktop, 'api-keys-delete');
await desktop.goto(`${base}/admin/members`);
await desktop.locator('[data-hydrated="false"]').waitFor({ state: 'detached' });
await desktop.getByLabel('Their email').fill(`invitee.${Date.now()}@example.com`);
await desktop.getByRole('button', { name: 'Create invitation' }).click();
await desktop.getByTestId('invite-link').waitFor();
await shot(desktop, 'admin-members');
await desktop.goto(`${base}/admin/features`);
await desktop.locator('[data-hydrated="false"]').waitFor({ state: 'detached' });
await desktop.getByRole('button', { name: 'Switch off Meeting insights' }).click();
await desktop.locator('[data-flag="meeting_insights"]').getByText('Off').waitFor();
await shot(desktop, 'admin-features');
await desktop.goto(`${base}/admin/onboarding`);
await shot(desktop, 'admin-onboarding');
await desktop.goto(`${base}/admin/audit`);
await shot(desktop, 'admin-audit');
await desktop.goto(`${base}/`);
await shot(desktop, 'dashboard');
await desktop.goto(`${base}/nope`);
await shot(desktop, 'not-found');
const day = (n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
await desktop.goto(`${base}/tools/tasks`);
for (const [title, due, status] of [
  ['Prepare the quarterly review', day(6), 'todo'],
  ['URGENT: fix the sign-in bug', day(-2), 'in_progress'],
  ['Read the new style guide', '', 'suggested'],
]) {
  await desktop.getByLabel('Title').fill(title);
  if (due) await desktop.getByLabel('Due date (optional)').fill(due);
  await desktop.getByLabel('Status').selectOption(status);
  await desktop.getByRole('button', { name: 'Add task' }).click();
  await desktop.locator(`tr[data-task="${title}"]`).waitFor();
}
await desktop.goto(`${base}/tools/tasks?suggest=1`);
await desktop.locator('tr[data-suggestion]').first().waitFor();
await shot(desktop, 'tasks');
// On a phone each task and suggestion is a card: nothing off-screen to the right.
await desktop.setViewportSize({ width: 390, height: 844 });
await shot(desktop, 'tasks-phone');
await desktop.setViewportSize({ width: 1280, height: 800 });

for (const name of ['communication_style_service_key', 'meeting_insights_service_key', 'language_learning_api_key']) {
  await desktop.request.post(`${base}/api/keys/save`, {
    form: { origin: 'new', name, value: 'sk-demo-key-for-screens-WXYZ', expires_on: '' },
    headers: { origin: base, accept: 'application/json' },
  });
}
await desktop.goto(`${base}/admin/features`);
await desktop.locator('[data-hydrated="false"]').waitFor({ state: 'detached' });
await desktop.getByRole('button', { name: 'Switch on Meeting insights' }).click();
await desktop.locator('[data-flag="meeting_insights"]').getByText('On', { exact: true }).waitFor();
const ready = async () => {
  await desktop.locator('[data-hydrated="false"]').waitFor({ state: 'detached' });
};
await desktop.goto(`${base}/tools/writing`);
await ready();
await desktop.getByLabel('Your text').fill('Hi team!! We will utilize the new dashboard to track very important goals, and and i think it helps.');
await desktop.getByRole('button', { name: 'Check my writing' }).click();
await desktop.locator('[data-result] mark').first().waitFor();
await shot(desktop, 'tool-writing');
// The suggestions while they stream in, each once whole (the test service sends slowly).
await desktop.getByLabel('Your text').fill('We will utilize it and and i think teh plan is very good, and we recieve it friday [[fake:slow-stream]]');
await desktop.getByRole('button', { name: 'Check my writing' }).click();
await desktop.locator('[data-draft]').waitFor();
await desktop.waitForTimeout(400);
await shot(desktop, 'tool-writing-streaming');
await desktop.locator('[data-draft]').waitFor({ state: 'detached', timeout: 60_000 });
await desktop.goto(`${base}/tools/style`);
await ready();
await desktop.getByLabel('Your text').fill('Thanks so much for the draft! Maybe we could meet on Friday; I think we just need to agree on the budget. Regards, Ana');
await desktop.getByRole('button', { name: 'Analyse the style' }).click();
await desktop.locator('[data-readability]').waitFor();
await shot(desktop, 'tool-style');
await desktop.goto(`${base}/tools/meetings`);
await ready();
await desktop.getByLabel('Notes or transcript').fill('Launch planning for Q1\nBudget is tight; marketing wants two more weeks\nDecision: ship on 1 February\nDecision: freeze features on 15 January\nAction: Ana - send the launch plan by 2026-12-05\nAction: Ben - book the venue');
await desktop.getByRole('button', { name: 'Get the insights' }).click();
await desktop.locator('[data-summary]').waitFor();
await shot(desktop, 'tool-meetings');
// The answer while it streams in (the test service sends it slowly on request).
await desktop.getByLabel('Notes or transcript').fill('Quarterly roadmap review with the whole product group [[fake:slow-stream]]\nDecision: keep the March date\nAction: Ben - book the room');
await desktop.getByRole('button', { name: 'Get the insights' }).click();
await desktop.locator('[data-draft-summary]').waitFor();
await desktop.waitForTimeout(300);
await shot(desktop, 'tool-meetings-streaming');
await desktop.locator('[data-draft]').waitFor({ state: 'detached' });
await desktop.goto(`${base}/tools/language`);
await ready();
await desktop.getByLabel('Text to translate').fill('Good morning, thank you for the meeting');
await desktop.getByLabel('Into').selectOption('fr');
await desktop.getByRole('button', { name: 'Translate' }).click();
await desktop.locator('[data-result="translation"]').waitFor();
await desktop.getByLabel('Word or short phrase').fill('quickly');
await desktop.getByRole('button', { name: 'Define' }).click();
await desktop.locator('[data-result="definition"]').waitFor();
await shot(desktop, 'tool-language');
await desktop.goto(`${base}/tools/email`);
await ready();
await desktop.getByLabel('Your addresses').fill('me@digame.test');
await desktop.getByLabel('Mail export').setInputFiles(process.env.SCREENSHOT_MBOX ?? new URL('../tests/fixtures/email/small.mbox', import.meta.url).pathname);
await desktop.getByRole('button', { name: 'Analyse' }).click();
await desktop.locator('[data-findings]').waitFor();
await shot(desktop, 'tool-email');
await desktop.goto(`${base}/admin/ai`);
await ready();
await desktop.locator('svg.chart').waitFor();
await shot(desktop, 'admin-ai');
await desktop.locator('details', { hasText: 'By person' }).locator('summary').click();
await desktop.locator('details', { hasText: 'By model' }).locator('summary').click();
await shot(desktop, 'admin-ai-figures');
const daysAgo = (d) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
await desktop.goto(`${base}/admin/ai?from=${daysAgo(59)}&to=${daysAgo(0)}`);
await ready();
await desktop.locator('svg.chart').waitFor();
await shot(desktop, 'admin-ai-period');
// Budgets: the company's, and a small one of the person's own, so the notice shows.
await desktop.goto(`${base}/admin/budgets`);
await ready();
await desktop.locator('#company').getByLabel('Monthly budget for the whole company (tokens)').fill('2,000,000');
await desktop.locator('#company').getByRole('button', { name: 'Save' }).click();
await desktop.getByTestId('company-use').filter({ hasText: '2,000,000' }).waitFor();
// A budget of the person's own that the month has used 85 % of, so the notice shows.
const used = Number(((await desktop.getByTestId('company-use').textContent()) ?? '').match(/: ([\d,]+) of/)[1].replaceAll(',', ''));
const own = desktop.locator('#people tbody tr').first();
await own.getByRole('textbox').fill(String(Math.ceil(used / 0.85)));
await own.getByRole('button', { name: 'Save' }).click();
await desktop.getByText('Saved.').waitFor();
await shot(desktop, 'admin-budgets');
await desktop.goto(`${base}/settings/usage`);
await ready();
await shot(desktop, 'usage');
// Take the person's budget away again, so the pages after can still ask the tools.
await desktop.goto(`${base}/admin/budgets`);
await ready();
await desktop.locator('#people tbody tr').first().getByRole('textbox').fill('');
await desktop.locator('#people tbody tr').first().getByRole('button', { name: 'Save' }).click();
await desktop.getByText('Saved.').waitFor();
await desktop.goto(`${base}/settings/security`);
await ready();
await desktop.getByLabel('Token name').fill('nightly export');
await desktop.getByRole('button', { name: 'Create token' }).click();
await desktop.getByTestId('token-secret').waitFor();
await shot(desktop, 'security-tokens');
await desktop.goto(`${base}/admin/tokens`);
await ready();
await shot(desktop, 'admin-tokens');
// Groups: two groups, the person in one, and Meeting insights for the other.
await desktop.goto(`${base}/admin/groups`);
await ready();
for (const name of ['Sales', 'Engineering']) {
  await desktop.getByLabel("New group's name").fill(name);
  await desktop.getByRole('button', { name: 'Make group' }).click();
  await desktop.getByRole('heading', { name, exact: true }).waitFor();
}
await desktop.getByLabel('Add to Engineering').selectOption({ index: 0 });
await desktop.locator('section', { has: desktop.getByRole('heading', { name: 'Engineering', exact: true }) }).getByRole('button', { name: 'Add' }).click();
await desktop.getByText('1 person').waitFor();
const meetings = desktop.locator('#tool-meeting_insights');
await meetings.getByLabel('Sales').check();
await meetings.getByRole('button', { name: 'Save' }).click();
await desktop.locator('#tool-meeting_insights').getByText('Now: only the groups ticked.').waitFor();
await shot(desktop, 'admin-groups');
await desktop.goto(`${base}/`);
await ready();
await shot(desktop, 'dashboard-groups');
await desktop.goto(`${base}/admin/groups`);
await ready();
await desktop.locator('#tool-meeting_insights').getByLabel('Sales').uncheck();
await desktop.locator('#tool-meeting_insights').getByRole('button', { name: 'Save' }).click();
await desktop.locator('#tool-meeting_insights').getByText('Now: everyone in the company.').waitFor();
// Engineering's shared budget, the members' groups, and a second AI service for writing.
await desktop.goto(`${base}/admin/budgets`);
await ready();
const engineering = desktop.locator('#groups tr[data-group="Engineering"]');
await engineering.getByRole('textbox').fill('500,000');
await engineering.getByRole('button', { name: 'Save' }).click();
await desktop.locator('#groups tr[data-group="Engineering"]').getByText('of 500,000 tokens').waitFor();
await desktop.locator('#groups').scrollIntoViewIfNeeded();
await shot(desktop, 'admin-budgets-groups');
await desktop.goto(`${base}/settings/usage`);
await ready();
await shot(desktop, 'usage-groups');
await desktop.goto(`${base}/admin/members`);
await ready();
await shot(desktop, 'admin-members-groups');
await desktop.goto(`${base}/admin/ai`);
await ready();
const writingForm = desktop.locator('[data-endpoint="writing_assistance"]');
await writingForm.locator('summary').click();
await writingForm.locator('details.second-service').getByLabel('Kind of service').selectOption('anthropic');
await writingForm.locator('details.second-service').getByLabel('API address', { exact: true }).fill('https://api.anthropic.com/v1');
await writingForm.locator('details.second-service').getByLabel('Model', { exact: true }).fill('claude-3-5-haiku-latest');
await writingForm.getByRole('button', { name: 'Save' }).click();
await desktop.locator('[data-endpoint="writing_assistance"] summary').getByText('Second service (failover): set').waitFor();
await desktop.locator('[data-endpoint="writing_assistance"]').screenshot({ path: `${out}/admin-ai-second.png` });
await desktop.goto(`${base}/settings/api-keys`);
await ready();
await desktop.locator('#writing_second_service_key').screenshot({ path: `${out}/api-keys-second.png` });
// Domains: one verified and open to joins (when a DNS responder's control address is given,
// as scripts/test gives Playwright), one waiting for its record.
await desktop.goto(`${base}/admin/sign-in`);
await ready();
const stamp = Date.now();
const dnsControl = process.env.DIGAME_E2E_DNS_CONTROL;
for (const domain of [`acme-labs-${stamp}.test`, `acme-mail-${stamp}.test`]) {
  await desktop.getByLabel('Domain', { exact: true }).fill(domain);
  await desktop.getByRole('button', { name: 'Claim' }).click();
  await desktop.locator(`section[data-domain="${domain}"]`).waitFor();
}
if (dnsControl) {
  const first = desktop.locator(`section[data-domain="acme-labs-${stamp}.test"]`);
  const name = (await first.locator('.record-name').textContent()).trim();
  const value = (await first.locator('.record-value').textContent()).trim();
  await fetch(`${dnsControl}/txt`, { method: 'POST', body: JSON.stringify({ name, value }) });
  await first.getByRole('button', { name: 'Verify now' }).click();
  await desktop.locator(`section[data-domain="acme-labs-${stamp}.test"]`).getByRole('button', { name: 'Let them join without an invitation' }).click();
  await desktop.locator(`section[data-domain="acme-labs-${stamp}.test"]`).getByText('Now: anyone with an address').waitFor();
}
await shot(desktop, 'admin-sign-in');
await desktop.goto(`${base}/join`);
await desktop.getByLabel('Work email').fill(`rui@acme-labs-${stamp}.test`);
await desktop.getByRole('button', { name: 'Mail me a link' }).click();
await desktop.locator('.alert').first().waitFor();
await shot(desktop, 'join');
// Single sign-on: a connection saved (to an issuer that need not answer for the picture),
// and the page where a person starts a company sign-in.
await desktop.goto(`${base}/admin/sso`);
await ready();
await desktop.getByLabel('Issuer address').fill('https://login.acme-labs.test');
await desktop.getByLabel('Client ID').fill('digame');
await desktop.getByLabel('Client secret').fill('a-secret-for-the-picture');
await desktop.getByLabel("Administrators' groups").fill('digame-admins');
await desktop.getByRole('button', { name: 'Save the connection' }).click();
await desktop.getByText('Saved. Test the connection').waitFor();
await shot(desktop, 'admin-sso');
// Provisioning: a token just made, shown once.
await desktop.goto(`${base}/admin/provisioning`);
await ready();
await desktop.getByRole('button', { name: 'Make a token' }).click();
await desktop.getByTestId('scim-token').waitFor();
await shot(desktop, 'admin-provisioning');
await desktop.goto(`${base}/login/company?error=needs_invitation`);
await shot(desktop, 'login-company');
await desktop.goto(`${base}/settings/profile`);
await ready();
await shot(desktop, 'profile-activity');
await desktop.goto(`${base}/unsubscribe?token=not-a-real-token`);
await shot(desktop, 'unsubscribe');
await desktop.goto(`${base}/settings/security`);
await ready();
await desktop.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
await desktop.locator('[data-secret]').waitFor();
await shot(desktop, 'security-two-factor');
const secret = await desktop.locator('[data-secret]').getAttribute('data-secret');
await desktop.getByLabel('Code from the app').fill(totp(secret));
await desktop.getByRole('button', { name: 'Turn on' }).click();
await desktop.locator('.recovery-codes').waitFor();
await shot(desktop, 'security-recovery-codes');
await desktop.getByRole('button', { name: 'Sign out' }).click();
await desktop.waitForURL(/signed_out=1/);
await ready();
await desktop.getByLabel('Email').fill(email);
await desktop.getByLabel('Password').fill('amber-kettle-orbit-73');
await desktop.getByRole('button', { name: 'Sign in' }).click();
await desktop.waitForURL(/two-factor/);
await ready();
await shot(desktop, 'two-factor-sign-in');
await desktop.goto(`${base}/forgot-password`);
await ready();
await desktop.getByLabel('Email').fill(email);
await desktop.getByRole('button', { name: 'Send the link' }).click();
await desktop.getByText('If that address has a Digame account').waitFor();
await shot(desktop, 'forgot-password');
await desktop.goto(`${base}/dev/outbox`);
await shot(desktop, 'dev-outbox');
await desktop.locator(`[data-mail="${email}"]`).first().getByRole('link').click();
await ready();
await desktop.getByRole('button', { name: 'Save the new password' }).waitFor();
await shot(desktop, 'reset-password');

const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
await phone.goto(`${base}/login`);
await phone.getByLabel('Email').fill(email);
await phone.getByLabel('Password', { exact: true }).fill('not-the-password-1');
await phone.locator('[data-hydrated="false"]').waitFor({ state: 'detached' });
await phone.getByRole('button', { name: 'Sign in' }).click();
await phone.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
await shot(phone, 'login-phone');
await browser.close();
console.log(`screenshots written to ${out}`);
