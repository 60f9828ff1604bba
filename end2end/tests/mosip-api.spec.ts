import { test, expect } from './fixtures/test';
import { Portal } from './fixtures/portal';

// A partner admin gives one of MOSIP's modules an API client on /admin/api-keys; the module
// signs in with it as MOSIP's do (clientidsecretkey, the token in the Authorization cookie)
// and calls the policy manager; revoking the client stops it at once.

function envelope(request: object) {
  return { id: 'string', version: 'string', requesttime: new Date().toISOString(), metadata: {}, request };
}

test('a partner admin creates an API client, a MOSIP module works with it, and revoking it stops it', async ({ page, playwright, baseURL }) => {
  const portal = new Portal(page);
  const clientId = `mosip-module-${Date.now().toString(36)}`;
  await portal.login('admin@example.org');
  await expect(page.getByTestId('user-email')).toHaveText('admin@example.org');
  await page.goto('/admin/api-keys');
  await portal.hydrated();

  // A bad client id is named on its field, and nothing is created.
  await page.getByTestId('api-client-id').fill('has spaces');
  await page.getByTestId('api-client-create').click();
  await expect(page.getByText('A client id has 1 to 64 letters, digits and . _ -.')).toBeVisible();

  await page.getByTestId('api-client-id').fill(clientId);
  await page.getByTestId('api-client-role-POLICYMANAGER').check();
  await page.getByTestId('api-client-create').click();
  const shown = page.getByTestId('api-client-secret');
  await expect(shown).toBeVisible();
  const secret = (await shown.evaluate((el) =>
    el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el.value : el.textContent ?? '')).trim();
  expect(secret.length).toBeGreaterThanOrEqual(40);
  const row = page.getByTestId('api-client-row').filter({ hasText: clientId });
  await expect(row).toContainText('PARTNER_ADMIN, POLICYMANAGER');
  await expect(row).toContainText('Active');

  // The module: its own cookie jar, as newman's.
  const module = await playwright.request.newContext({ baseURL });
  const login = await module.post('/v1/authmanager/authenticate/clientidsecretkey', {
    data: envelope({ clientId, secretKey: secret, appId: 'ida' }),
  });
  expect(await login.text()).toContain('Clientid and Token combination had been validated successfully');
  const group = await module.post('/v1/policymanager/policies/group/new', {
    data: envelope({ name: `${clientId}-group`, desc: 'made by a MOSIP module' }),
  });
  const made = await group.json();
  expect(made.errors).toEqual([]);
  expect(made.response.name).toBe(`${clientId}-group`);
  const again = await (await module.post('/v1/policymanager/policies/group/new', {
    data: envelope({ name: `${clientId}-group`, desc: 'again' }),
  })).json();
  expect(again.errors[0].errorCode).toBe('PMS_POL_014');

  // The operator sees the module's change in the audit log, under the client.
  await page.goto('/admin/audit');
  await portal.hydrated();
  await expect(page.getByText(`client:${clientId}`).first()).toBeVisible();

  // Revoked: the token it holds no longer opens anything, and it cannot sign in again.
  await page.goto('/admin/api-keys');
  await portal.hydrated();
  const active = page.getByTestId('api-client-row').filter({ hasText: clientId });
  await active.getByTestId('api-client-revoke').click();
  await active.getByTestId('api-client-revoke-confirm').click();
  await expect(page.getByTestId('api-client-row').filter({ hasText: clientId })).toContainText('Revoked');
  const refused = await module.post('/v1/policymanager/policies/group/new', {
    data: envelope({ name: `${clientId}-other`, desc: 'x' }),
  });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).errors[0].errorCode).toBe('KER-ATH-401');
  const relogin = await module.post('/v1/authmanager/authenticate/clientidsecretkey', {
    data: envelope({ clientId, secretKey: secret, appId: 'ida' }),
  });
  expect(relogin.status()).toBe(401);
  await module.dispose();

  // The reference of the machine API is served by the portal itself.
  await page.goto('/api/docs');
  await expect(page.getByRole('heading', { name: 'Machine API reference' })).toBeVisible();
  await expect(page.getByText('/v1/partnermanager/partners/certificate/upload')).toBeVisible();
});
