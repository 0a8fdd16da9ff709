// Screenshots of the pages the security work changed, against a server in demo mode with the
// development outbox on (DIGAME_AI_DEMO=true DIGAME_DEV_OUTBOX=true):
//   node end2end/security-screens.mjs http://127.0.0.1:3000 /tmp/shots
// The API-key page with a key on hold (an admin pointed its tool elsewhere), the security
// page's token form with its scope and the token list, and a failed sign-in without
// JavaScript (the error carried in the session, not the address).
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:3000';
const out = process.argv[3] ?? '/tmp/shots';
const password = 'amber-kettle-orbit-73';
const email = `keys.${Date.now()}@example.com`;

const json = async (method, path, body, token) => {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
};

const signed = await json('POST', '/api/v1/auth/register', { email, password, company_name: 'Acme Labs', first_name: 'Ana', last_name: 'Lima' });
const token = signed.body.tokens.access_token;
const outbox = await (await fetch(`${base}/dev/outbox`)).text();
const link = outbox.slice(outbox.indexOf(`data-mail="${email}"`)).match(/verify-email\?token=([A-Za-z0-9_-]+)/)[1];
await json('POST', '/api/v1/auth/verify-email', { token: link });
await json('POST', '/api/v1/settings/api-keys', { api_keys: { writing_service_key: 'sk-demo-0123456789abcdef' } }, token);
const moved = await json('PUT', '/api/v1/admin/ai/writing_assistance', { base_url: 'https://models.example.net/v1', model: 'house-model' }, token);
if (moved.status !== 200) throw new Error(`moving the tool: ${JSON.stringify(moved)}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(`${base}/login`);
await page.getByLabel('Email').fill(email);
await page.getByLabel('Password').fill(password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.waitForURL((u) => !u.pathname.startsWith('/login'));
await page.goto(`${base}/settings/api-keys#writing_service_key`);
await page.locator('[data-held]').waitFor();
await page.locator('[data-key="writing_service_key"]').screenshot({ path: `${out}/key-on-hold.png` });
await page.goto(`${base}/settings/security`);
await page.getByLabel('Token name').fill('nightly export');
await page.getByLabel('What it may do').selectOption('write');
await page.getByRole('button', { name: 'Create token' }).click();
await page.getByTestId('token-secret').waitFor();
await page.locator('.tokens-card').screenshot({ path: `${out}/token-scopes.png` });

const noJs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
const plain = await noJs.newPage();
await plain.goto(`${base}/login`);
await plain.getByLabel('Email').fill(email);
await plain.getByLabel('Password').fill('not-the-password-1');
await plain.getByRole('button', { name: 'Sign in' }).click();
await plain.getByText('do not match').waitFor();
console.log('no-JS sign-in error shown at', plain.url());
await plain.screenshot({ path: `${out}/login-error-no-js.png`, fullPage: true });
await browser.close();
