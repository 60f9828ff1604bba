import { test, expect } from './fixtures/test';
import { Portal } from './fixtures/portal';

test('an idle session warns two minutes ahead, stays on request, and ends when ignored', async ({ page }) => {
  const portal = new Portal(page);
  // The browser's clock is under the test's control; the server keeps real time and its own
  // deadline (30 minutes idle), which the page reads and times with the browser's clock.
  await page.clock.install();
  await portal.login('policy@example.org');
  await expect(page.getByTestId('role-card-POLICYMANAGER')).toBeVisible();
  const warning = page.getByTestId('idle-warning');
  await expect(warning).toHaveCount(0);

  await page.clock.fastForward('28:30');
  await expect(warning).toBeVisible();
  await expect(warning).toContainText(/signed out in 1:[0-5]\d/);
  await warning.getByTestId('idle-stay').click();
  await expect(warning).toHaveCount(0);
  // Still signed in, with a fresh half hour.
  await page.clock.fastForward('20:00');
  await expect(warning).toHaveCount(0);

  // Ignored this time: the session ends and the sign-in page says why.
  await page.clock.fastForward('08:30');
  await expect(warning).toBeVisible();
  await page.clock.fastForward('02:00');
  await expect(page).toHaveURL(/\/login\?idle=1/);
  await expect(page.getByTestId('idle-signed-out')).toBeVisible();
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=/);
});
