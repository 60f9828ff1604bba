// Runs last (after the every-page walk): once terms are published, every account must accept
// them before anything else, which the other journeys do not expect.
import { test, expect } from './fixtures/test';
import { Portal } from './fixtures/portal';

test('an admin publishes terms; another account accepts them before going on', async ({ page }) => {
  const portal = new Portal(page);
  await portal.login('admin@example.org');
  await expect(page.getByTestId('role-card-PARTNER_ADMIN')).toBeVisible();
  await portal.nav().getByRole('link', { name: 'Terms' }).click();
  await expect(page).toHaveURL('/admin/terms');
  await portal.hydrated();
  await expect(page.getByTestId('terms-none')).toBeVisible();
  await page.getByTestId('terms-body').fill('Too short');
  await page.getByTestId('terms-publish').click();
  await expect(page.getByText(/The terms must be 20 to 20000 characters long/)).toBeVisible();
  await page.getByTestId('terms-body').fill(
    'You keep your private keys and API keys safe.\n\nYou tell the operator of any breach within 24 hours.',
  );
  await page.getByTestId('terms-publish').click();
  await expect(page.getByTestId('terms-published')).toBeVisible();
  await expect(page.getByTestId('terms-text')).toContainText('within 24 hours');
  await portal.logout();

  await portal.login('policy@example.org');
  await expect(page).toHaveURL(/\/terms\?next=/);
  await expect(page.getByTestId('terms-text')).toContainText('private keys and API keys');
  await portal.hydrated();
  await page.getByTestId('terms-accept').click();
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
  await page.goto('/account');
  await expect(page.getByTestId('account-terms')).toContainText('Version 1 accepted');
});
