import { defineConfig } from '@playwright/test';

// Debian's Chromium; Playwright never downloads a browser here.
export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:3100',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  webServer: {
    command: 'bash ./start-server.sh',
    url: 'http://127.0.0.1:3100/readyz',
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
  },
});
