import { test as base, expect, Page } from '@playwright/test';

export const PASSWORD = 'amber-kettle-orbit-73';

export function uniqueEmail(tag: string): string {
  return `${tag}.${Date.now()}.${Math.floor(Math.random() * 1e9)}@example.com`;
}

/// Page object for the account pages.
export class Accounts {
  constructor(private readonly page: Page, private readonly js: boolean) {}

  /// With JavaScript, waits until the page's islands hydrated so clicks go through them.
  /// Every island carries a mark that its hydration flips; a page without islands is plain
  /// HTML and forms, ready as it loads.
  async ready() {
    if (this.js) {
      // Each test has a fresh browser context, so the wasm is fetched and compiled anew;
      // on a busy 2-core machine that can take several seconds.
      await expect(this.page.locator('[data-hydrated="false"]')).toHaveCount(0, { timeout: 20_000 });
    }
  }

  async register(email: string, password = PASSWORD) {
    await this.page.goto('/register');
    await this.ready();
    await this.page.getByLabel('Your name').fill('Ana Lima');
    await this.page.getByLabel('Work email').fill(email);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByLabel('Company name').fill('Acme Labs');
    await this.page.getByRole('button', { name: 'Create account' }).click();
  }

  /// Registers and confirms the address with the link from the development outbox (read
  /// behind the page's back, on the same session), staying on the onboarding page.
  async registerVerified(email: string, password = PASSWORD) {
    await this.register(email, password);
    await expect(this.page).toHaveURL(/\/onboarding$/);
    const token = await verificationToken(this.page, email);
    const res = await this.page.request.post('/api/auth/verify-email', {
      form: { token },
      headers: { origin: new URL(this.page.url()).origin, accept: 'application/json' },
    });
    expect(res.status(), await res.text()).toBe(200);
  }

  async signIn(email: string, password = PASSWORD) {
    await this.ready();
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  async signOut() {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await expect(this.page).toHaveURL(/\/login\?signed_out=1$/);
  }
}

/// The token of the newest verification link mailed to `email`, from the development outbox.
export async function verificationToken(page: Page, email: string): Promise<string> {
  const html = await (await page.request.get('/dev/outbox')).text();
  const at = html.indexOf(`data-mail="${email}"`);
  expect(at, `a mail to ${email} in the outbox`).toBeGreaterThan(-1);
  const found = html.slice(at).match(/verify-email\?token=([A-Za-z0-9_-]+)/);
  expect(found, 'a verification link in the mail').not.toBeNull();
  return found![1];
}

/// Stores a key the way the settings page does (its server function), from this origin.
export async function storeKey(page: Page, name: string, value = 'sk-e2e-0123456789abcdef') {
  const origin = new URL(page.url()).origin;
  const res = await page.request.post('/api/keys/save', {
    form: { origin: 'new', name, value, expires_on: '' },
    headers: { origin, accept: 'application/json' },
  });
  expect(res.status()).toBe(200);
}

/// Every test fails on an uncaught error in the page.
export const test = base.extend<{ accounts: Accounts; pageErrors: Error[] }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: Error[] = [];
      page.on('pageerror', (err) => errors.push(err));
      await use(errors);
      expect(errors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],
  accounts: async ({ page, javaScriptEnabled }, use) => {
    await use(new Accounts(page, javaScriptEnabled));
  },
});

export { expect };
