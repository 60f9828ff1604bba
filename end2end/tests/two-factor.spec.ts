import { test, expect } from './fixtures/test';
import { Portal } from './fixtures/portal';
import { totp } from './fixtures/totp';

const WHO = 'twofa@example.org';

test('two-factor sign-in: set up with the QR page, sign in with a code and a recovery code, reset by an admin', async ({ page }) => {
  const portal = new Portal(page);
  await portal.login(WHO);
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
  await page.goto('/account');
  await portal.hydrated();
  await expect(page.getByTestId('account-two-factor')).toContainText('Off');
  await page.getByTestId('account-two-factor').getByRole('link', { name: 'Manage' }).click();
  await expect(page).toHaveURL('/account/two-factor');
  await page.getByTestId('two-factor-begin').click();
  await expect(page.getByTestId('two-factor-qr').locator('svg')).toBeVisible();
  const secret = (await page.getByTestId('two-factor-secret').textContent()) ?? '';
  expect(secret.replace(/\s/g, '')).toMatch(/^[A-Z2-7]{32}$/);

  // A wrong code is refused on its field; the right one turns it on and shows ten codes once.
  await page.getByLabel('Code from the app').fill('000000x');
  await page.getByTestId('two-factor-confirm').click();
  await expect(page.getByText('This code is not correct or was used already.')).toBeVisible();
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByTestId('two-factor-confirm').click();
  await expect(page.getByTestId('two-factor-on')).toBeVisible();
  const codes = await page.getByTestId('recovery-code').allTextContents();
  expect(codes).toHaveLength(10);
  await page.getByTestId('two-factor-continue').click();
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
  await portal.logout();

  // The password alone leads to the code page; a wrong code says so, the next code signs in.
  await portal.login(WHO);
  await expect(page).toHaveURL(/\/login\/verify/);
  await page.getByLabel('Code').fill('123');
  await page.getByTestId('verify-submit').click();
  await expect(page.getByText('This code is not correct or was used already.')).toBeVisible();
  // The code of the next 30 s step: the current one was spent by the set-up.
  await page.getByLabel('Code').fill(totp(secret, Date.now() + 30_000));
  await page.getByTestId('verify-submit').click();
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
  await portal.logout();

  // A recovery code works instead of the phone, once.
  await portal.login(WHO);
  await expect(page).toHaveURL(/\/login\/verify/);
  await page.getByLabel('Code').fill(codes[0]);
  await page.getByTestId('verify-submit').click();
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
  await page.goto('/account/two-factor');
  await portal.hydrated();
  await expect(page.getByTestId('recovery-left')).toHaveText('9');
  await portal.logout();

  // Lost phone: a partner admin resets it; the password alone signs in again.
  await portal.login('admin@example.org');
  await expect(page.getByTestId('role-card-PARTNER_ADMIN')).toBeVisible();
  await page.goto('/admin/accounts?q=twofa');
  await portal.hydrated();
  const row = page.getByTestId('account-row').filter({ hasText: WHO });
  await expect(row.getByTestId('account-two-factor')).toHaveText('On');
  await row.getByTestId('two-factor-reset-toggle').click();
  await row.getByTestId('two-factor-reset-confirm').click();
  await expect(page.getByTestId('two-factor-reset')).toBeVisible();
  await expect(row.getByTestId('account-two-factor')).toHaveText('Off');
  await portal.logout();
  await portal.login(WHO);
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
});
