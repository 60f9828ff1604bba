import { test, expect, Page } from './fixtures/test';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Portal, PASSWORD } from './fixtures/portal';
import { verifyEmail } from './fixtures/mail';

// Made once by fixtures/certs/make.sh: root -> intermediate -> auth-partner.pem, whose subject
// says O=Lumen Relying Party Ltd. This journey trusts the chain in the AUTH domain only (the
// certificates journey builds the DEVICE trust store from the same root).
const CERTS = path.join(__dirname, 'fixtures', 'certs');
const ORG = 'Lumen Relying Party Ltd';

function unique(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

async function signInAs(portal: Portal, email: string) {
  await portal.login(email);
  await expect(portal.page.getByTestId('user-email')).toHaveText(email);
}

/** Add a CA to the AUTH trust store; one that is already there is fine. */
async function trustAuthCa(page: Page, file: string) {
  await page.getByTestId('ca-domain').selectOption('AUTH');
  await page.getByTestId('cert-content').fill(fs.readFileSync(path.join(CERTS, file), 'utf8'));
  await page.getByTestId('ca-check').click();
  // The previous upload's report gives way to this check's report.
  await expect(page.getByTestId('ca-stored')).toHaveCount(0);
  const item = page.getByTestId('ca-report-item');
  await expect(item).toHaveAttribute('data-accepted', /true|false/);
  if ((await item.getAttribute('data-accepted')) === 'false') {
    await expect(item.getByTestId('cert-problem')).toContainText('already in the AUTH trust store');
    return;
  }
  await page.getByTestId('ca-confirm').click();
  await expect(page.getByTestId('ca-stored')).toContainText('AUTH trust store');
}

test('an authentication partner requests a policy, gets an API key and an OIDC client; a downstream service verifies the key until it is deactivated', async ({ page, request }) => {
  // Four people and a downstream service take turns: longer than one page's journey.
  test.setTimeout(240_000);
  const portal = new Portal(page);
  const group = unique('relying');
  const policyName = unique('eKYC sign-in');
  const id = unique('lumenrp');

  // A policy manager publishes an Auth policy whose KYC attributes map to OIDC claims.
  await signInAs(portal, 'policy@example.org');
  await page.goto('/policies/groups');
  await portal.hydrated();
  await page.getByTestId('create-group-form').getByLabel('Name').fill(group);
  await page.getByTestId('create-group-form').getByLabel('Description').fill('Relying parties');
  await page.getByTestId('create-group').click();
  await expect(page.getByTestId('group-created')).toContainText(group);
  await page.goto('/policies/new');
  await portal.hydrated();
  await page.getByLabel('Policy group').selectOption({ label: group });
  await page.getByLabel('Name').fill(policyName);
  await page.getByLabel('Description').fill('Sign-in with name and email');
  await page.getByTestId('view-json').click();
  await page.getByTestId('input-document').fill(JSON.stringify({
    authTokenType: 'partner',
    allowedAuthTypes: [
      { authType: 'otp', mandatory: false },
      { authType: 'bio', authSubType: 'FINGER', mandatory: false },
    ],
    allowedKycAttributes: [{ attributeName: 'fullName' }, { attributeName: 'email' }],
  }, null, 2));
  await expect(page.getByTestId('document-valid')).toBeVisible();
  await page.getByTestId('save-policy').click();
  await expect(page).toHaveURL(/\/policies\/[0-9a-f-]{36}\?saved=created/);
  await portal.hydrated();
  await page.getByTestId('publish').click();
  await page.getByTestId('confirm-publish').click();
  await expect(page.getByTestId('policy-status')).toHaveText('Published');
  await portal.logout();

  // A relying party registers in that group with the organisation named in its certificate.
  await page.goto('/signup');
  await portal.hydrated();
  await page.getByLabel('Email').fill(`${id}@example.org`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByLabel('Partner id').fill(id);
  await page.getByLabel('Organisation name').fill(ORG);
  await page.getByLabel('Partner type').selectOption('Auth_Partner');
  await page.getByLabel('Policy group').selectOption({ label: group });
  await page.getByLabel('Phone').fill('+91 80 1234 5678');
  await page.getByLabel('Address').fill('2 Market Road\nBengaluru');
  await page.getByLabel('Language').selectOption('eng');
  await page.getByTestId('signup-submit').click();
  await expect(page).toHaveURL(/\/partner\?registered=1/);
  await verifyEmail(page, `${id}@example.org`);
  await page.goto('/partner');
  // Under review, the request page says why nothing can be requested yet.
  await portal.nav().getByRole('link', { name: 'Policy requests' }).click();
  await expect(page.getByTestId('access-unavailable')).toContainText('approved');
  await portal.logout();

  // The admin trusts the AUTH chain and approves the partner.
  await signInAs(portal, 'admin@example.org');
  await page.goto('/admin/certificates');
  await portal.hydrated();
  await trustAuthCa(page, 'root.pem');
  await trustAuthCa(page, 'intermediate.pem');
  await page.goto(`/admin/partners/${id}`);
  await portal.hydrated();
  await page.getByTestId('decide-approve').click();
  await page.getByTestId('confirm-approve').click();
  await expect(page.getByTestId('status-badge').first()).toHaveText('Approved');
  await portal.logout();

  // The partner's request is refused until it has a certificate, with a way there.
  await signInAs(portal, `${id}@example.org`);
  await portal.nav().getByRole('link', { name: 'API keys' }).click();
  await expect(page.getByTestId('apikey-no-policy')).toBeVisible();
  await portal.nav().getByRole('link', { name: 'Policy requests' }).click();
  const row = page.getByTestId('requestable-row').filter({ hasText: policyName });
  await expect(row.getByTestId('request-status')).toHaveText('Not requested');
  await portal.hydrated();
  await row.getByTestId('request-open').click();
  const useCase = 'Customers of Lumen sign in to our loan portal with their national ID; we need their name and email for the account.';
  await page.getByTestId('input-use_case').fill(useCase);
  await expect(page.getByTestId('use-case-count')).toHaveText(`${useCase.length} / 4000 characters`);
  await page.getByTestId('request-submit').click();
  await expect(page.getByTestId('request-form').getByTestId('form-error')).toContainText('certificate');
  await page.getByTestId('request-form').getByRole('link', { name: 'Go to My certificate' }).click();
  await expect(page).toHaveURL(/\/partner\/certificate/);
  await portal.hydrated();
  await page.getByTestId('cert-file').setInputFiles(path.join(CERTS, 'auth-partner.pem'));
  await page.getByTestId('cert-check').click();
  await expect(page.getByTestId('cert-check-result')).toHaveAttribute('data-ok', 'true');
  await page.getByTestId('cert-confirm').click();
  await expect(page.getByTestId('cert-uploaded')).toBeVisible();

  // Now the request goes through and waits for a partner admin.
  await portal.nav().getByRole('link', { name: 'Policy requests' }).click();
  await portal.hydrated();
  await row.getByTestId('request-open').click();
  // An empty use case is explained next to the field (the browser's check is bypassed).
  await page.getByTestId('input-use_case').fill('   ');
  await page.getByTestId('request-submit').click();
  await expect(page.getByTestId('request-form').getByTestId('error-use_case')).toContainText('Describe');
  await page.getByTestId('input-use_case').fill(useCase);
  await page.getByTestId('request-submit').click();
  await expect(page.getByTestId('request-sent')).toContainText(policyName);
  await expect(row.getByTestId('request-status')).toHaveText('Pending');
  await expect(row.getByTestId('request-open')).toHaveCount(0);
  const mine = page.getByTestId('my-request-row').filter({ hasText: policyName });
  await expect(mine.getByTestId('request-status')).toHaveText('Pending');
  await portal.logout();

  // The admin approves it with a comment.
  await signInAs(portal, 'admin@example.org');
  await page.goto('/admin/policy-requests');
  await portal.hydrated();
  const pending = page.getByTestId('request-row').filter({ hasText: policyName });
  await expect(pending).toHaveCount(1);
  await pending.getByTestId('request-approve').click();
  await pending.getByLabel('Comment').fill('Approved for the loan portal.');
  await pending.getByTestId('request-confirm').click();
  // The queue shows pending requests; the decided one leaves it with a notice.
  await expect(page.getByTestId('decision-done')).toContainText(`${ORG}'s request for ${policyName} is now approved`);
  await expect(pending).toHaveCount(0);
  await portal.logout();

  // The partner sees the decision, and creates an API key: its secret is shown once.
  await signInAs(portal, `${id}@example.org`);
  await portal.nav().getByRole('link', { name: 'Policy requests' }).click();
  await expect(mine.getByTestId('request-status')).toHaveText('Approved');
  await expect(mine.getByTestId('my-request-comment')).toHaveText('Approved for the loan portal.');
  await portal.nav().getByRole('link', { name: 'API keys' }).click();
  await portal.hydrated();
  await page.getByTestId('input-policy_id').selectOption({ label: `${policyName} (Authentication)` });
  await page.getByTestId('input-label').fill('loan portal');
  await page.getByTestId('apikey-submit').click();
  const secretInput = page.getByTestId('apikey-secret');
  await expect(secretInput).toHaveValue(/^pms_/);
  await expect(page.getByTestId('apikey-secret-warning')).toContainText('only time');
  const secret = await secretInput.inputValue();
  const keyRow = page.getByTestId('apikey-row').filter({ hasText: 'loan portal' });
  await expect(keyRow.getByTestId('apikey-prefix')).toHaveText(`${secret.slice(0, 10)}…`);
  await expect(keyRow.getByTestId('key-status')).toHaveText('Active');
  await page.getByTestId('apikey-secret-done').click();
  await expect(page.getByTestId('apikey-secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  // The same label again for the same policy is refused next to the label.
  await page.getByTestId('input-label').fill('Loan Portal');
  await page.getByTestId('apikey-submit').click();
  await expect(page.getByTestId('apikey-form').getByTestId('error-label')).toContainText('already');

  // An OIDC client with a real public key; a bad logo address is explained first.
  const jwk = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  await portal.nav().getByRole('link', { name: 'OIDC clients' }).click();
  await portal.hydrated();
  const form = page.getByTestId('client-form');
  await form.getByTestId('client-policy').selectOption({ label: `${policyName} (Authentication)` });
  await form.getByTestId('client-name').fill('Lumen loan portal');
  await form.getByTestId('client-logo_uri').fill('http://lumen.example/logo.png');
  await form.getByTestId('client-redirect_uris').fill('https://loans.lumen.example/callback\nlumenapp://signin');
  await expect(form.getByTestId('client-grant_types-authorization_code')).toBeChecked();
  await expect(form.getByTestId('client-auth_methods-private_key_jwt')).toBeChecked();
  await form.getByTestId('client-public_key').fill(JSON.stringify(jwk));
  await page.getByTestId('client-submit').click();
  await expect(form.getByTestId('error-logo_uri')).toContainText('https');
  await form.getByTestId('client-logo_uri').fill('https://lumen.example/logo.png');
  await page.getByTestId('client-submit').click();
  await expect(page.getByTestId('client-created')).toContainText('Lumen loan portal');
  const clientId = (await page.getByTestId('client-created-id').textContent())!.trim();
  const clientRow = page.getByTestId('client-row').filter({ hasText: clientId });
  await expect(clientRow.getByTestId('client-name')).toHaveText('Lumen loan portal');
  await expect(clientRow.getByTestId('client-claims')).toContainText('email');
  await expect(clientRow.getByTestId('client-claims')).toContainText('name');
  await expect(clientRow.getByTestId('client-acrs')).toContainText('mosip:idp:acr:generated-code');
  await expect(clientRow.getByTestId('client-redirect')).toHaveCount(2);
  // Edit it inline.
  await clientRow.getByTestId('client-edit').click();
  const edit = page.getByTestId('client-edit-form');
  await expect(edit.getByTestId('edit-name')).toHaveValue('Lumen loan portal');
  await edit.getByTestId('edit-name').fill('Lumen loans');
  await edit.getByTestId('edit-grant_types-refresh_token').check();
  await page.getByTestId('client-save').click();
  await expect(page.getByTestId('client-updated')).toContainText('Lumen loans');
  await expect(clientRow.getByTestId('client-name')).toHaveText('Lumen loans');
  await portal.logout();

  // The admin issues a token for the downstream authentication service.
  await signInAs(portal, 'admin@example.org');
  const token = await portal.issueServiceToken(unique('ID authentication'));
  await portal.logout();

  // The service verifies the partner's key.
  const verify = () => request.post('/api/v1/apikeys/verify', {
    headers: { Authorization: `Bearer ${token}` },
    data: { apiKey: secret },
  });
  let answer = await verify();
  expect(answer.status()).toBe(200);
  let body = await answer.json();
  expect(body.valid).toBe(true);
  expect(body.status).toBe('ACTIVE');
  expect(body.partnerId ?? body.partner_id).toBe(id);

  // The partner deactivates the key after confirming; the service is told at once.
  await signInAs(portal, `${id}@example.org`);
  await portal.nav().getByRole('link', { name: 'API keys' }).click();
  await portal.hydrated();
  await keyRow.getByTestId('apikey-deactivate').click();
  await expect(keyRow.getByTestId('apikey-question')).toContainText('Services using it stop working');
  await keyRow.getByTestId('apikey-deactivate-confirm').click();
  await expect(page.getByTestId('apikey-deactivated')).toContainText('loan portal');
  await expect(keyRow.getByTestId('key-status')).toHaveText('Deactivated');
  await expect(keyRow.getByTestId('apikey-deactivate')).toHaveCount(0);
  answer = await verify();
  expect(answer.status()).toBe(200);
  body = await answer.json();
  expect(body.valid).toBe(false);
  expect(body.status).toBe('DEACTIVATED');

  // The secret is nowhere on the page after a reload.
  await page.reload();
  await portal.hydrated();
  await expect(keyRow.getByTestId('key-status')).toHaveText('Deactivated');
  expect(await page.content()).not.toContain(secret);
});
