import { createHmac } from 'node:crypto';
import { test, expect, uniqueEmail } from './fixtures';

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/// The code an authenticator app shows for `secret`, `offset` steps from now.
function totp(secret: string, offset = 0): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + offset));
  const hash = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const at = hash[19] & 0x0f;
  const value = (hash.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

test('@forms set up two-factor sign-in, then sign in with a code and with a recovery code', async ({ page, accounts, javaScriptEnabled }) => {
  const email = uniqueEmail('tfa');
  await accounts.registerVerified(email);
  await page.goto('/settings/security');
  await accounts.ready();
  const card = page.getByRole('region', { name: 'Two-factor sign-in' });
  await card.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  await expect(card.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const secret = (await card.locator('[data-secret]').getAttribute('data-secret'))!;
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  // Shown in groups of four for typing by hand.
  await expect(card.locator('[data-secret]')).toHaveText(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);

  await card.getByLabel('Code from the app').fill('000000');
  await card.getByRole('button', { name: 'Turn on' }).click();
  await expect(card.getByText('That code does not match.')).toBeVisible();
  await card.getByLabel('Code from the app').fill(totp(secret));
  await card.getByRole('button', { name: 'Turn on' }).click();
  await expect(card.getByText('Keep these recovery codes somewhere safe.')).toBeVisible();
  const codes = await card.locator('.recovery-codes code').allTextContents();
  expect(codes).toHaveLength(10);
  // They can be downloaded as a text file (a link that needs no JavaScript).
  const download = card.getByRole('link', { name: 'Download the codes (.txt)' });
  await expect(download).toHaveAttribute('download', 'digame-recovery-codes.txt');
  const file = decodeURIComponent((await download.getAttribute('href'))!.split(',')[1]);
  for (const code of codes) expect(file).toContain(code);
  if (javaScriptEnabled) {
    // Or copied in one click.
    await accounts.ready();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await card.getByRole('button', { name: 'Copy the codes' }).click();
    await expect(card.getByText('Copied.')).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));
  }
  // Shown once: a fresh load of the page no longer has them.
  await page.reload();
  await expect(page.getByRole('region', { name: 'Two-factor sign-in' }).getByText('On', { exact: true })).toBeVisible();
  await expect(page.locator('.recovery-codes')).toHaveCount(0);

  await accounts.ready();
  await accounts.signOut();
  await accounts.signIn(email);
  await expect(page).toHaveURL(/\/login\/two-factor$/);
  await accounts.ready();
  await page.getByLabel('Code').fill('123456');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('That code does not match.')).toBeVisible();
  await page.getByLabel('Code').fill(totp(secret, 1));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/onboarding$/);

  await accounts.ready();
  await accounts.signOut();
  await accounts.signIn(email);
  await expect(page).toHaveURL(/\/login\/two-factor$/);
  await accounts.ready();
  await page.getByLabel('Code').fill(codes[0]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/onboarding$/);
});
