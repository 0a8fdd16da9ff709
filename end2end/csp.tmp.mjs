import { chromium } from 'playwright-core';
const base = process.env.BASE;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu'] });
async function one(i) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const t0 = Date.now();
  const res = await page.goto(base + '/register');
  const csp = (await res.allHeaders())['content-security-policy'] || '';
  let ok = true;
  try { await page.locator('[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 15000 }); } catch { ok = false; }
  console.log(`run ${i}: csp=${csp.slice(0,20)} hydrated=${ok} ${Date.now()-t0}ms`);
  await ctx.close();
}
await Promise.all([one('a'), one('b')]);
await browser.close();
