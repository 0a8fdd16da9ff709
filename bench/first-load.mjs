// First load of each page, as a person's fresh browser gets it: the JavaScript and
// WebAssembly bytes on the wire (encoded, i.e. brotli as served) before the page is
// interactive, per page. Usage: node bench/first-load.mjs BASE_URL EMAIL PASSWORD
// (EMAIL/PASSWORD: an existing account with its address confirmed; the server runs with
// DIGAME_AI_DEMO=true, and a key is stored here for each tool that needs one, so each tool
// page shows its panel).
import { chromium } from '../end2end/node_modules/playwright-core/index.mjs';

const [base, email, password] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/// Stores a key for each tool that needs one, so the tool pages show their panels (their
/// islands).
async function prepare() {
  const context = await browser.newContext();
  const request = context.request;
  const form = (f) => ({ form: f, headers: { accept: 'application/json', origin: base } });
  let res = await request.post(`${base}/api/auth/login`, form({ email, password, next: '' }));
  if (!res.ok()) throw new Error(`sign-in failed: ${res.status()}`);
  for (const name of ['writing_service_key', 'communication_style_service_key',
    'meeting_insights_service_key', 'language_learning_api_key']) {
    res = await request.post(`${base}/api/keys/save`, form({ origin: 'new', name, value: 'sk-bench-0123456789abcdef', expires_on: '' }));
    if (!res.ok()) throw new Error(`storing ${name} failed: ${res.status()}`);
  }
  await context.close();
}

async function measure(path, signIn) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (signIn) {
    const res = await page.request.post(`${base}/api/auth/login`, {
      form: { email, password, next: '' },
      headers: { accept: 'application/json', origin: base },
    });
    if (!res.ok()) throw new Error(`sign-in failed: ${res.status()}`);
  }
  const sizes = [];
  page.on('requestfinished', async (req) => {
    const url = req.url();
    if (/\.(wasm|js)(\?|$)/.test(url)) sizes.push(req.sizes().then((s) => s.responseBodySize));
  });
  await page.goto(base + path);
  // Interactive: every island on the page hydrated (a page without islands is ready as
  // it loads).
  await page.waitForFunction(() => !document.querySelector('[data-hydrated="false"]'), null, { timeout: 30000 });
  await page.waitForLoadState('networkidle');
  const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
  await context.close();
  return bytes;
}

await prepare();
const pages = [
  ['/login', false], ['/register', false], ['/', true], ['/settings/security', true],
  ['/settings/api-keys', true], ['/settings/profile', true], ['/onboarding', true],
  ['/admin/features', true], ['/admin/members', true], ['/admin/audit', true],
  ['/admin/ai', true], ['/admin/tokens', true], ['/admin/onboarding', true],
  ['/tools/writing', true], ['/tools/style', true], ['/tools/meetings', true],
  ['/tools/language', true], ['/tools/email', true], ['/tools/tasks', true],
];
for (const [path, signIn] of pages) {
  const bytes = await measure(path, signIn);
  console.log(`${path.padEnd(22)} ${(bytes / 1024).toFixed(0).padStart(5)} KB wasm+JS on the wire${signIn ? ' (signed in)' : ''}`);
}
await browser.close();
