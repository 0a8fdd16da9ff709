import { test, expect, uniqueEmail, PASSWORD } from './fixtures';

// The interface's language: a visitor picks it on the sign-in page (a plain GET form, so it
// works without JavaScript), signs up in it — the sign-up island gets its words from the
// server — and a signed-in person picks theirs on the profile. JavaScript on and off.
test('@forms a visitor switches the language, signs up in Arabic and picks French on the profile', async ({ page, accounts }) => {
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByLabel('Language').selectOption('de');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByRole('heading', { name: 'Bei Digame anmelden' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Passwort vergessen?' })).toBeVisible();

  await page.getByLabel('Sprache').selectOption('ar');
  await page.getByRole('button', { name: 'Anzeigen' }).click();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.getByRole('heading', { name: 'تسجيل الدخول إلى Digame' })).toBeVisible();

  await page.getByRole('link', { name: 'أنشئ حسابًا' }).click();
  await expect(page.getByRole('heading', { name: 'أنشئ حسابك على Digame' })).toBeVisible();
  await accounts.ready();
  const email = uniqueEmail('arabic');
  await page.getByLabel('اسمك').fill('ليلى حداد');
  await page.getByLabel('البريد الإلكتروني للعمل').fill(email);
  await page.getByLabel('كلمة المرور').fill(PASSWORD);
  await page.getByLabel('اسم الشركة').fill('شركة النخيل');
  await page.getByRole('button', { name: 'إنشاء الحساب' }).click();
  await expect(page).toHaveURL(/\/onboarding$/);
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.getByRole('button', { name: 'تسجيل الخروج' })).toBeVisible();

  // The person's own choice, on the profile, beats the visitor's cookie.
  await page.goto('/settings/profile');
  await page.locator('#language').getByLabel('اللغة').selectOption('fr');
  await page.getByRole('button', { name: 'حفظ اللغة' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
  await expect(page.getByText('Votre langue est enregistrée.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Se déconnecter' })).toBeVisible();
});

test('the sign-in page follows the browser language', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'pt-BR' });
  const page = await context.newPage();
  await page.goto('/login');
  await expect(page.locator('html')).toHaveAttribute('lang', 'pt-BR');
  await expect(page.getByRole('heading', { name: 'Entrar no Digame' })).toBeVisible();
  await context.close();
});
