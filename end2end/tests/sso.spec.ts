import { test, expect, Page } from './fixtures/test';
import type { BrowserContext } from '@playwright/test';
import { Portal, PASSWORD } from './fixtures/portal';

// Single sign-on against a real OpenID provider (oidc-provider, end2end/oidc/provider.mjs,
// started by start-server.sh on 127.0.0.1:3130). The portal on :3100 has local passwords on;
// the one on :3101 refuses operators' passwords.
const BUTTON = 'Sign in with Test ID';
const SSO_ONLY = 'http://127.0.0.1:3101';

// The provider's development pages link a web font; this machine has no internet and the
// journey must not reach for it.
async function noWebFonts(context: BrowserContext) {
  await context.route(/^https:\/\/fonts\.googleapis\.com\//, (route) =>
    route.fulfill({ contentType: 'text/css', body: '' }),
  );
}

test.beforeEach(async ({ context }) => noWebFonts(context));

/** At the provider: its development login form (any password), then consent if asked; ends
 *  back on the portal. */
async function signInAtProvider(page: Page, login: string) {
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:3130\//);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password will do');
  await page.getByRole('button', { name: 'Sign-in', exact: true }).click();
  // Consent is asked the first time a person authorizes the portal.
  const consent = page.getByRole('button', { name: 'Continue', exact: true });
  const portal = page.locator('a.brand');
  await expect(consent.or(portal)).toBeVisible();
  if (await consent.isVisible()) await consent.click();
  await expect(portal).toBeVisible();
}

test('an operator signs in through the provider and lands on the dashboard with the mapped role', async ({ page }) => {
  const portal = new Portal(page);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=%2Faccount/);
  await portal.hydrated();
  await page.getByTestId('sso-button').click();
  await signInAtProvider(page, 'sso-admin');
  // Back where the visit started, signed in with the role the provider's claim maps to.
  await expect(page).toHaveURL('/account');
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Welcome, Sunny Single' })).toBeVisible();
  await expect(page.getByTestId('role-card-PARTNER_ADMIN')).toBeVisible();
  await portal.logout();
  // The account single sign-on made has no password.
  await portal.login('sso-admin@example.org', PASSWORD);
  await expect(page.getByTestId('form-error')).toHaveText('Email or password is incorrect.');
});

test('the sign-in button works before the WASM loads', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  await noWebFonts(context);
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByRole('link', { name: BUTTON }).click();
  await signInAtProvider(page, 'sso-admin');
  await expect(page.getByTestId('role-card-PARTNER_ADMIN')).toBeVisible();
  await context.close();
});

test('an email the provider has not verified gets a clear refusal on the sign-in page', async ({ page }) => {
  const portal = new Portal(page);
  await portal.gotoLogin();
  await page.getByTestId('sso-button').click();
  await signInAtProvider(page, 'sso-unverified');
  await expect(page).toHaveURL(/\/login\?sso_error=email_unverified/);
  await expect(page.getByTestId('sso-error')).toHaveText(
    'Your email address is not verified at the sign-in service. Verify it there, then sign in again.',
  );
  // Nothing was created: the admin's account list does not know the address.
  await portal.login('admin@example.org');
  await expect(page.getByTestId('role-card-PARTNER_ADMIN')).toBeVisible();
  await page.goto('/admin/accounts?q=sso-unverified');
  await expect(page.getByTestId('account-row')).toHaveCount(0);
});

test('where operators must use single sign-on, the admin’s password is refused and the button works', async ({ page }) => {
  const portal = new Portal(page);
  await expect.poll(async () => (await page.request.get(`${SSO_ONLY}/readyz`)).status(), { timeout: 20_000 }).toBe(200);
  await page.goto(`${SSO_ONLY}/login`);
  await portal.hydrated();
  await page.getByLabel('Email').fill('sso-admin@example.org');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('form-error')).toHaveText(
    `Password sign-in is turned off for operator accounts. Use “${BUTTON}”.`,
  );
  await page.getByRole('link', { name: BUTTON }).click();
  await signInAtProvider(page, 'sso-admin');
  await expect(page).toHaveURL(`${SSO_ONLY}/`);
  await expect(page.getByTestId('role-card-PARTNER_ADMIN')).toBeVisible();
});
