import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import { test, expect, uniqueEmail, storeKey, Accounts } from './fixtures';

// Every page, signed out and signed in: no WCAG 2 A/AA violation that axe-core finds, and
// nothing wider than a phone (390 × 844) or cut off at its edge. Each page's phone
// screenshot is attached to the run's report.

const SIGNED_OUT = [
  '/',
  '/login',
  '/register',
  '/forgot-password',
  '/join',
  '/login/company',
  '/login/company?error=needs_invitation',
  '/reset-password?token=not-a-real-token',
  '/verify-email?token=not-a-real-token',
  '/developers/api',
  '/unsubscribe?token=not-a-real-token',
  '/no-such-page',
];

const SIGNED_IN = [
  '/',
  '/onboarding',
  '/onboarding?step=goals',
  '/onboarding?step=preferences',
  '/onboarding?step=tools',
  '/onboarding?step=review',
  '/settings/profile',
  '/settings/security',
  '/settings/api-keys',
  '/settings/usage',
  '/tools/tasks',
  '/tools/writing',
  '/tools/style',
  '/tools/meetings',
  '/tools/language',
  '/tools/email',
  '/admin/features',
  '/admin/members',
  '/admin/ai',
  '/admin/ai?from=2026-01-01&to=2026-12-31',
  '/admin/budgets',
  '/admin/groups',
  '/admin/sign-in',
  '/admin/sso',
  '/admin/provisioning',
  '/admin/audit',
  '/admin/tokens',
  '/admin/onboarding',
  '/developers/api',
];

/// What on the page is wider than the window, or sticks out of a box that hides it.
async function cutOff(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) {
      out.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`);
    }
    // Reported once, at the outermost box: what is inside it sticks out with it.
    const reported = new Set<Element>();
    const inside = (el: Element) => {
      for (let p = el.parentElement; p; p = p.parentElement) if (reported.has(p)) return true;
      return false;
    };
    // Text kept for screen readers only (a table's head on a phone, "visually hidden"):
    // clipped to a pixel on purpose, so what is inside it is not cut off.
    const forReadersOnly = (el: Element) => {
      for (let p: Element | null = el; p; p = p.parentElement) {
        const r = p.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1) return true;
      }
      return false;
    };
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      const box = el.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1 || inside(el) || forReadersOnly(el)) continue;
      const style = getComputedStyle(el);
      const name = `<${el.tagName.toLowerCase()} class="${el.className}">`;
      if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
        out.push(`${name} scrolls sideways (${el.scrollWidth}px in ${el.clientWidth}px)`);
        reported.add(el);
      } else if (box.right > width + 1 && style.position !== 'fixed') {
        out.push(`${name} ends at ${Math.round(box.right)}px`);
        reported.add(el);
      }
    }
    return out;
  });
}

async function check(page: Page, accounts: Accounts, path: string, info: TestInfo) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(path);
  await accounts.ready();
  const scan = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const violations = scan.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect.soft(violations, `axe-core on ${path}`).toEqual([]);

  await page.setViewportSize({ width: 390, height: 844 });
  await info.attach(`${path} on a phone`, {
    body: await page.screenshot({ fullPage: true }),
    contentType: 'image/png',
  });
  expect.soft(await cutOff(page), `${path} at 390 × 844`).toEqual([]);
}

test('every signed-out page is accessible and fits a phone', async ({ page, accounts }, info) => {
  test.setTimeout(120_000);
  for (const path of SIGNED_OUT) await check(page, accounts, path, info);
});

test('every signed-in page is accessible and fits a phone', async ({ page, accounts }, info) => {
  test.setTimeout(180_000);
  await accounts.registerVerified(uniqueEmail('every-page'));
  await expect(page).toHaveURL(/\/onboarding$/);
  for (const key of ['writing_service_key', 'communication_style_service_key', 'meeting_insights_service_key', 'language_learning_api_key']) {
    await storeKey(page, key);
  }
  for (const path of SIGNED_IN) await check(page, accounts, path, info);
});

// The signed-out pages in German (long words) and Arabic (right to left), as a browser set
// to each language gets them.
for (const [locale, dir] of [['de', 'ltr'], ['ar', 'rtl']] as const) {
  test.describe(`in ${locale}`, () => {
    test.use({ locale });
    test(`every signed-out page is accessible and fits a phone in ${locale}`, async ({ page, accounts }, info) => {
      test.setTimeout(120_000);
      for (const path of SIGNED_OUT) {
        await check(page, accounts, path, info);
        await expect(page.locator('html')).toHaveAttribute('lang', locale);
        await expect(page.locator('html')).toHaveAttribute('dir', dir);
      }
    });
  });
}
