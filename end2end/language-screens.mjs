// Screenshots of the translated pages in German (long words) and Arabic (right to left), for
// review: node end2end/language-screens.mjs http://127.0.0.1:3000 docs/screenshots
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:3000';
const out = process.argv[3] ?? 'docs/screenshots';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const labels = {
  de: { name: 'Ihr Name', email: 'Geschäftliche E-Mail-Adresse', password: 'Passwort', company: 'Name des Unternehmens', submit: 'Konto erstellen' },
  ar: { name: 'اسمك', email: 'البريد الإلكتروني للعمل', password: 'كلمة المرور', company: 'اسم الشركة', submit: 'إنشاء الحساب' },
};

for (const locale of ['de', 'ar']) {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.screenshot({ path: `${out}/login-${locale}.png`, fullPage: true });
  await page.goto(`${base}/`);
  await page.screenshot({ path: `${out}/landing-${locale}.png`, fullPage: true });
  await page.goto(`${base}/register`);
  await page.locator('[data-hydrated="false"]').waitFor({ state: 'detached' });
  const l = labels[locale];
  await page.getByLabel(l.name).fill(locale === 'de' ? 'Jürgen Weißmüller' : 'ليلى حداد');
  await page.getByLabel(l.email).fill(`lang.${locale}.${Date.now()}@example.com`);
  await page.getByLabel(l.password, { exact: true }).fill('amber-kettle-orbit-73');
  await page.getByLabel(l.company).fill(locale === 'de' ? 'Donaudampfschifffahrtsgesellschaft' : 'شركة النخيل');
  await page.getByRole('button', { name: l.submit }).click();
  await page.waitForURL(/\/onboarding$/);
  await page.goto(`${base}/`);
  await page.screenshot({ path: `${out}/dashboard-${locale}.png`, fullPage: true });
  await page.goto(`${base}/admin/features#language`);
  await page.locator('#language').screenshot({ path: `${out}/admin-language-${locale}.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/`);
  await page.screenshot({ path: `${out}/dashboard-${locale}-phone.png`, fullPage: true });
  await context.close();
}
await browser.close();
