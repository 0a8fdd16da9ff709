import { chromium } from 'playwright-core';
const base = process.env.BASE;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu'] });
for (let i = 0; i < 6; i++) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on('pageerror', e => console.log('pageerror', e.message));
  let t0 = Date.now();
  await page.goto(base + '/register');
  const tl = Date.now() - t0;
  await page.locator('[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 30000 });
  console.log(`run ${i}: load ${tl} ms, hydrated ${Date.now() - t0} ms`);
  await ctx.close();
}
await browser.close();
