import { test, expect } from './fixtures/test';
import { Portal, PASSWORD } from './fixtures/portal';
import { mailsTo, resetLink } from './fixtures/mail';

const WHO = 'reset@example.org';
const NEW_PASSWORD = 'a brand new passphrase';

test('a forgotten password is reset through the mailed link, which works once', async ({ page }) => {
  const portal = new Portal(page);
  await portal.gotoLogin();
  await page.getByTestId('forgot-link').click();
  await expect(page).toHaveURL('/forgot-password');
  await portal.hydrated();
  // An unknown email gets the very same answer, and no mail.
  await page.getByLabel('Email').fill('nobody@example.org');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByTestId('reset-sent')).toBeVisible();
  expect(mailsTo('nobody@example.org')).toHaveLength(0);

  await page.goto('/forgot-password');
  await portal.hydrated();
  await page.getByLabel('Email').fill(WHO);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByTestId('reset-sent')).toBeVisible();
  const link = await resetLink(WHO, 1);

  await page.goto(link);
  await portal.hydrated();
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Repeat new password').fill('something else entirely');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByText('The two new passwords do not match.')).toBeVisible();
  await page.getByLabel('Repeat new password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL(/\/login\?reset=done/);
  await expect(page.getByTestId('reset-done')).toBeVisible();

  await portal.login(WHO, PASSWORD);
  await expect(page.getByTestId('form-error')).toHaveText('Email or password is incorrect.');
  await portal.login(WHO, NEW_PASSWORD);
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();

  // The same link a second time explains itself.
  await page.goto(link);
  await expect(page.getByTestId('reset-invalid')).toBeVisible();
});

test('an account sees where it is signed in and signs out another session', async ({ browser }) => {
  const first = await browser.newContext();
  const other = await browser.newContext({ userAgent: 'Other browser on a kiosk' });
  const a = new Portal(await first.newPage());
  const b = new Portal(await other.newPage());
  await b.login(WHO, NEW_PASSWORD);
  await expect(b.page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
  await a.login(WHO, NEW_PASSWORD);
  await expect(a.page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
  await a.page.goto('/account');
  await a.hydrated();
  const rows = a.page.getByTestId('session-row');
  // This one, the kiosk's, and the one the journey before left signed in.
  await expect(rows).toHaveCount(3);
  await expect(a.page.getByTestId('session-current')).toHaveCount(1);
  const kiosk = rows.filter({ hasText: 'Other browser on a kiosk' });
  await expect(kiosk).toHaveCount(1);
  await kiosk.getByTestId('session-end').click();
  await expect(rows).toHaveCount(2);
  await expect(kiosk).toHaveCount(0);
  await b.page.goto('/account');
  await expect(b.page).toHaveURL(/\/login\?next=%2Faccount/);
  await first.close();
  await other.close();
});

test('an admin forces a password reset: the password stops working and a link is mailed', async ({ page }) => {
  const portal = new Portal(page);
  const before = mailsTo(WHO).length;
  await portal.login('admin@example.org');
  await expect(page.getByTestId('role-card-PARTNER_ADMIN')).toBeVisible();
  await page.goto('/admin/accounts?q=reset%40example.org');
  await portal.hydrated();
  const row = page.getByTestId('account-row').filter({ hasText: WHO });
  await row.getByTestId('reset-toggle').click();
  await row.getByTestId('reset-confirm').click();
  await expect(page.getByTestId('reset-forced')).toBeVisible();
  await portal.logout();
  await portal.login(WHO, NEW_PASSWORD);
  await expect(page.getByTestId('form-error')).toHaveText('Email or password is incorrect.');
  const link = await resetLink(WHO, before + 1);
  await page.goto(link);
  await portal.hydrated();
  await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat new password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByTestId('reset-done')).toBeVisible();
});
