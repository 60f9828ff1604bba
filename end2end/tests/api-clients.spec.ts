import { test, expect } from './fixtures/test';
import { Portal } from './fixtures/portal';

// A partner admin gives one of MOSIP's modules a machine account, the module signs in with it
// through MOSIP's own call and lists partners; once revoked, the same secret is refused.

test('a partner admin creates an API client, a MOSIP module signs in with it, and revoking it stops it', async ({ page, request }) => {
  const portal = new Portal(page);
  const clientId = `mosip-ida-client-${Date.now().toString(36)}`;
  await portal.login('admin@example.org');
  await expect(page.getByTestId('user-email')).toHaveText('admin@example.org');
  await portal.nav().getByRole('link', { name: 'API clients' }).click();
  await expect(page).toHaveURL(/\/admin\/api-clients$/);
  await portal.hydrated();

  // No role chosen: the field says so and nothing is created.
  await page.getByLabel('Client id').fill(clientId);
  await page.getByTestId('api-client-create').click();
  await expect(page.getByRole('alert').filter({ hasText: 'Choose at least one role.' })).toBeVisible();

  await page.locator('input[data-testid="api-client-role"][value="PARTNER_ADMIN"]').check();
  await page.getByTestId('api-client-create').click();
  const secretBox = page.getByTestId('api-client-secret');
  await expect(secretBox).toBeVisible();
  const secret = await secretBox.inputValue();
  expect(secret.length).toBeGreaterThanOrEqual(20);
  await page.getByTestId('api-client-secret-done').click();
  await expect(secretBox).toHaveCount(0);
  const row = page.getByTestId('api-client-row').filter({ hasText: clientId });
  await expect(row).toContainText('PARTNER_ADMIN');
  await expect(row).toContainText('Active');
  await expect(page.locator('body')).not.toContainText(secret);

  // The module signs in the way MOSIP's do and calls the API with the cookie it gets.
  const signIn = () =>
    request.post('/v1/authmanager/authenticate/clientidsecretkey', {
      data: { id: 'string', version: 'string', requesttime: new Date().toISOString(), metadata: {}, request: { clientId, secretKey: secret, appId: 'ida' } },
    });
  const ok = await signIn();
  expect(ok.status()).toBe(200);
  const cookie = (ok.headers()['set-cookie'] ?? '').split(';')[0];
  expect(cookie).toMatch(/^Authorization=/);
  const partners = await request.get('/v1/partnermanager/admin-partners?pageSize=1', { headers: { Cookie: cookie } });
  expect((await partners.json()).id).toBe('mosip.pms.admin.partners.get');

  // Revoked: the secret and the token it got stop working.
  await row.getByTestId('api-client-deactivate').click();
  await expect(row.getByTestId('api-client-question')).toContainText(clientId);
  await row.getByTestId('api-client-deactivate-confirm').click();
  await expect(page.getByTestId('api-client-revoked')).toContainText(clientId);
  await expect(page.getByTestId('api-client-row').filter({ hasText: clientId })).toContainText('Revoked');
  expect((await signIn()).status()).toBe(401);
  const after = await request.get('/v1/partnermanager/admin-partners?pageSize=1', { headers: { Cookie: cookie } });
  expect(after.status()).toBe(401);
});
