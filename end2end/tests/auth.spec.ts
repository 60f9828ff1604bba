import { test, expect } from './fixtures/test';
import AxeBuilder from '@axe-core/playwright';
import { Portal, PASSWORD } from './fixtures/portal';

test('an admin signs in, sees the admin dashboard and navigation, and signs out', async ({ page }) => {
  const portal = new Portal(page);
  await portal.login('admin@example.org');
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('heading', { name: 'Welcome, Ada Admin' })).toBeVisible();
  await expect(page.getByTestId('role-card-PARTNER_ADMIN')).toBeVisible();
  await expect(portal.nav().getByRole('link', { name: 'Accounts' })).toBeVisible();
  await portal.logout();
  // The session is gone on the server: the dashboard sends us back to sign-in.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?next=%2F/);
});

test('a wrong password is refused with a message that does not reveal the account', async ({ page }) => {
  const portal = new Portal(page);
  await portal.login('policy@example.org', 'not the password');
  await expect(page.getByTestId('form-error')).toHaveText('Email or password is incorrect.');
  await expect(page).toHaveURL(/\/login/);
  await portal.login('nobody@example.org', 'not the password');
  await expect(page.getByTestId('form-error')).toHaveText('Email or password is incorrect.');
});

test('sign-in works before the WASM loads (plain form post)', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Email').fill('policy@example.org');
  await page.getByLabel('Password').fill('wrong wrong wrong');
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('form-error')).toHaveText('Email or password is incorrect.');
  await page.getByLabel('Email').fill('policy@example.org');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
  // A crafted link cannot make the sign-in page say what its author wants.
  const fresh = await browser.newContext({ javaScriptEnabled: false });
  const other = await fresh.newPage();
  await other.goto('/login?error=Your%20account%20is%20suspended%2C%20call%20us');
  await expect(other.getByLabel('Email')).toBeVisible();
  await expect(other.getByTestId('form-error')).toHaveCount(0);
  await expect(other.getByText('suspended')).toHaveCount(0);
  await fresh.close();
  await context.close();
});

test('navigation shows only the areas of the caller’s roles', async ({ page }) => {
  const portal = new Portal(page);
  await portal.login('policy@example.org');
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
  await expect(page.getByTestId('role-card-PARTNER_ADMIN')).toHaveCount(0);
  await expect(portal.nav().getByRole('link', { name: 'Accounts' })).toHaveCount(0);
  await expect(portal.nav().getByRole('link', { name: 'My account' })).toBeVisible();
});

test('a partner typing an admin address gets 403', async ({ page }) => {
  const portal = new Portal(page);
  await portal.login('partner@example.org');
  await expect(page.getByTestId('role-card-AUTH_PARTNER')).toBeVisible();
  const response = await page.goto('/admin/accounts');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.getByTestId('accounts-table')).toHaveCount(0);
});

test('an anonymous visitor is sent to sign-in and comes back after it', async ({ page }) => {
  const portal = new Portal(page);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount/);
  await portal.hydrated();
  await page.getByLabel('Email').fill('policy@example.org');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL('/account');
  await expect(page.getByRole('heading', { name: 'My account' })).toBeVisible();
});

test('unknown addresses show the 404 page with a request id', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toContainText('Request id');
});

test('an admin creates, finds and deactivates an operator account', async ({ page }) => {
  const portal = new Portal(page);
  await portal.login('admin@example.org');
  await portal.nav().getByRole('link', { name: 'Accounts' }).click();
  await expect(page).toHaveURL('/admin/accounts');
  const form = page.getByTestId('create-account-form');
  await form.getByLabel('Email').fill('new.manager@example.org');
  await form.getByLabel('Name').fill('Nina New');
  await form.getByLabel('Role').selectOption('POLICYMANAGER');
  await form.getByLabel('Initial password').fill('short');
  await form.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('error-password')).toContainText('at least 12 characters');
  await form.getByLabel('Initial password').fill('a long enough secret');
  await form.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('account-created')).toContainText('new.manager@example.org');

  await page.getByTestId('filter-q').fill('new.manager');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/q=new.manager/);
  const rows = page.getByTestId('account-row');
  await expect(rows).toHaveCount(1);
  await rows.first().getByTestId('status-toggle').click();
  await rows.first().getByTestId('status-confirm').click();
  await expect(rows.first()).toContainText('Deactivated');

  // The deactivated account cannot sign in.
  await portal.logout();
  await portal.login('new.manager@example.org', 'a long enough secret');
  await expect(page.getByTestId('form-error')).toContainText('deactivated');
});

test('sign-in and dashboard pages have no serious accessibility violations', async ({ page }) => {
  const portal = new Portal(page);
  await portal.gotoLogin();
  const login = await new AxeBuilder({ page }).analyze();
  expect(login.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')).toEqual([]);
  await portal.login('admin@example.org');
  await expect(page.getByTestId('role-card-PARTNER_ADMIN')).toBeVisible();
  const dash = await new AxeBuilder({ page }).analyze();
  expect(dash.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')).toEqual([]);
});

test('changing the password requires the current one', async ({ page }) => {
  const portal = new Portal(page);
  await portal.login('locked@example.org');
  // Wait for the session: navigating away earlier would abort the sign-in request.
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
  await page.goto('/account');
  await portal.hydrated();
  await page.getByLabel('Current password').fill('not it at all');
  await page.getByLabel('New password', { exact: true }).fill('a different long secret');
  await page.getByLabel('Repeat new password').fill('a different long secret');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByTestId('error-current_password')).toContainText('not correct');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByTestId('password-changed')).toBeVisible();
  await portal.logout();
  await portal.login('locked@example.org', 'a different long secret');
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
});
