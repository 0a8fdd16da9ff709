import { defineConfig } from '@playwright/test';

// The server is started by ../scripts/test (the site's release build served by the tests'
// server build, on a fresh temporary database) and its address passed in DIGAME_E2E_BASE_URL.
const baseURL = process.env.DIGAME_E2E_BASE_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Debian's Chromium: Playwright cannot download its own browser here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'js', use: { javaScriptEnabled: true } },
    // The account forms must work without JavaScript: specs tagged @forms run here too.
    { name: 'no-js', use: { javaScriptEnabled: false }, grep: /@forms/ },
  ],
});
