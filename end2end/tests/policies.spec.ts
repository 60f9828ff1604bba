import { test, expect, Page } from './fixtures/test';
import AxeBuilder from '@axe-core/playwright';
import { Portal, PASSWORD } from './fixtures/portal';
import { verifyEmail } from './fixtures/mail';

function unique(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

async function signInAs(portal: Portal, email: string) {
  await portal.login(email);
  await expect(portal.page.getByTestId('user-email')).toHaveText(email);
}

async function createGroup(page: Page, name: string) {
  await page.getByTestId('create-group-form').getByLabel('Name').fill(name);
  await page.getByTestId('create-group-form').getByLabel('Description').fill(`Partners of ${name}`);
  await page.getByTestId('create-group').click();
  await expect(page.getByTestId('group-created')).toContainText(name);
  await expect(page.getByTestId('group-name').filter({ hasText: name })).toBeVisible();
}

test('a policy manager writes, fixes, publishes and clones a policy; a partner of the group sees only the published one', async ({ page }) => {
  const portal = new Portal(page);
  const banks = unique('banks');
  const print = unique('print');
  const policyName = unique('KYC for banks');

  await signInAs(portal, 'policy@example.org');
  await portal.nav().getByRole('link', { name: 'Policy groups' }).click();
  await expect(page).toHaveURL(/\/policies\/groups/);
  await portal.hydrated();
  await createGroup(page, banks);
  await createGroup(page, print);

  // A new auth policy in the structured editor.
  await portal.nav().getByRole('link', { name: 'Policies', exact: true }).click();
  await page.getByTestId('new-policy').click();
  await expect(page).toHaveURL(/\/policies\/new/);
  await portal.hydrated();
  await page.getByLabel('Policy group').selectOption({ label: banks });
  await page.getByLabel('Name').fill(policyName);
  await page.getByLabel('Description').fill('e-KYC for retail banks');
  await expect(page.getByTestId('form-view')).toBeVisible();
  await page.getByTestId('pe-token').selectOption('policy');
  // Biometric authentication: the sub-type list follows the type.
  await page.getByTestId('pe-add-auth-type').click();
  const second = page.getByTestId('pe-auth-type-row').nth(1);
  await second.getByTestId('pe-auth-type').selectOption('bio');
  await expect(second.getByTestId('pe-auth-subtype')).toHaveValue('FINGER');
  await second.getByTestId('pe-auth-subtype').selectOption('IRIS');
  await second.getByTestId('pe-mandatory').check();
  // An empty KYC attribute is a schema violation, reported live with its JSON path.
  await page.getByTestId('pe-add-kyc').click();
  await expect(page.getByTestId('document-invalid')).toContainText('/allowedKycAttributes/0/attributeName');
  // Saving anyway is refused by the server with the same violation; nothing is saved.
  await page.getByTestId('save-policy').click();
  await expect(page.getByTestId('document-error')).toContainText('/allowedKycAttributes/0/attributeName');
  await expect(page).toHaveURL(/\/policies\/new/);
  // Fix it: the check turns valid, and the JSON view shows what the form wrote.
  await page.getByTestId('pe-kyc').first().fill('fullName');
  await expect(page.getByTestId('document-valid')).toHaveText('Valid Authentication policy.');
  await page.getByTestId('view-json').click();
  const json = JSON.parse(await page.getByTestId('input-document').inputValue());
  expect(json.authTokenType).toBe('policy');
  expect(json.allowedAuthTypes[1]).toEqual({ authType: 'bio', authSubType: 'IRIS', mandatory: true });
  expect(json.allowedKycAttributes).toEqual([{ attributeName: 'fullName' }]);
  await page.getByTestId('save-policy').click();
  await expect(page).toHaveURL(/\/policies\/[0-9a-f-]{36}\?saved=created/);
  await expect(page.getByTestId('policy-title')).toHaveText(policyName);
  await expect(page.getByTestId('policy-status')).toHaveText('Draft');
  await portal.hydrated();

  // Publish (validity defaults to a year); publishing again is not offered.
  await page.getByTestId('publish').click();
  await page.getByTestId('confirm-publish').click();
  await expect(page.getByTestId('policy-notice')).toHaveText('Published.');
  await expect(page.getByTestId('policy-status')).toHaveText('Published');
  await expect(page.getByTestId('policy-version')).toHaveText('v1');
  await expect(page.getByTestId('publish')).toHaveCount(0);
  await expect(page.getByTestId('version-row')).toHaveCount(1);
  await expect(page.getByTestId('live-document')).toContainText('"IRIS"');

  // Clone it to a data-share draft in the other group.
  await page.getByTestId('clone').locator('summary').click();
  await page.getByTestId('clone-group').selectOption({ label: print });
  await page.getByTestId('clone-name').fill(`${policyName} share`);
  await page.getByTestId('clone-type').selectOption('DataShare');
  await page.getByTestId('clone-submit').click();
  await expect(page).toHaveURL(/saved=cloned/);
  await expect(page.getByTestId('policy-title')).toHaveText(`${policyName} share`);
  await expect(page.getByTestId('policy-type')).toHaveText('Data share');
  await expect(page.getByTestId('policy-status')).toHaveText('Draft');

  // The list filters by group and status, in the URL.
  await page.goto('/policies');
  await portal.hydrated();
  await page.getByTestId('filter-group').selectOption({ label: banks });
  await page.getByTestId('filter-apply').click();
  await expect(page).toHaveURL(/group=/);
  await expect(page.getByTestId('policy-row')).toHaveCount(1);
  await expect(page.getByTestId('policy-row')).toContainText(policyName);
  await portal.logout();

  // An authentication partner of the banks group sees the published policy, read-only.
  const id = unique('bank');
  await page.goto('/signup');
  await portal.hydrated();
  await page.getByLabel('Email').fill(`${id}@example.org`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByLabel('Partner id').fill(id);
  await page.getByLabel('Organisation name').fill(`${id} Bank`);
  await page.getByLabel('Partner type').selectOption('Auth_Partner');
  await page.getByLabel('Policy group').selectOption({ label: banks });
  await page.getByLabel('Phone').fill('+91 80 1234 5678');
  await page.getByLabel('Address').fill('1 Bank Street');
  await page.getByLabel('Language').selectOption('eng');
  await page.getByTestId('signup-submit').click();
  await expect(page).toHaveURL(/\/partner\?registered=1/);
  await verifyEmail(page, `${id}@example.org`);
  await page.goto('/partner');
  // Under review, the partner does not read policies yet.
  await portal.nav().getByRole('link', { name: 'Policies' }).click();
  await expect(page.getByTestId('my-policies-unavailable')).toBeVisible();
  await portal.logout();
  await signInAs(portal, 'admin@example.org');
  await page.goto(`/admin/partners/${id}`);
  await portal.hydrated();
  await page.getByTestId('decide-approve').click();
  await page.getByTestId('confirm-approve').click();
  await expect(page.getByTestId('status-badge').first()).toHaveText('Approved');
  await portal.logout();
  await signInAs(portal, `${id}@example.org`);
  await portal.nav().getByRole('link', { name: 'Policies' }).click();
  await expect(page.getByTestId('my-policy-row')).toHaveCount(1);
  await expect(page.getByTestId('my-policy-row')).toContainText(policyName);
  await page.getByRole('link', { name: policyName }).click();
  await expect(page.getByTestId('live-document')).toContainText('"fullName"');
  // The authoring screens stay closed to partners.
  await page.goto('/policies');
  await expect(page.getByTestId('forbidden')).toBeVisible();
});

test('the JSON view, upload, revision and diff; bad files are refused with a reason', async ({ page }) => {
  const portal = new Portal(page);
  const group = unique('abis');
  await signInAs(portal, 'policy@example.org');
  await page.goto('/policies/groups');
  await portal.hydrated();
  await createGroup(page, group);

  await page.goto('/policies/new?type=DataShare');
  await portal.hydrated();
  await page.getByLabel('Policy group').selectOption({ label: group });
  await page.getByLabel('Name').fill('ABIS share');
  // A 5 MB file is refused before it is sent.
  await page.getByTestId('upload').setInputFiles({
    name: 'huge.json', mimeType: 'application/json', buffer: Buffer.alloc(5 * 1024 * 1024, 32),
  });
  await expect(page.getByTestId('upload-error')).toContainText('at most 256 KB');
  // A reference policy uploads as it is and shows in the form.
  const sample = {
    shareableAttributes: [{
      attributeName: 'biometrics', group: 'CBEFF',
      source: [{ attribute: 'registration-client/NEW/individualBiometrics', filter: [{ type: 'Iris' }] }],
      encrypted: true, format: 'extraction',
    }],
    dataSharePolicies: {
      typeOfShare: 'Data Share', validForInMinutes: '30', transactionsAllowed: '2',
      encryptionType: 'Partner Based', shareDomain: 'datashare.datashare', source: 'Packet Manager',
    },
  };
  await page.getByTestId('upload').setInputFiles({
    name: 'abis.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(sample)),
  });
  await expect(page.getByTestId('document-valid')).toBeVisible();
  await expect(page.getByTestId('pe-attr-name')).toHaveValue('biometrics');
  await expect(page.getByTestId('pe-source-attr')).toHaveValue('registration-client/NEW/individualBiometrics');
  // Malformed JSON in the raw view: a syntax message, and the form says why it cannot show it.
  await page.getByTestId('view-json').click();
  await page.getByTestId('input-document').fill('{"dataSharePolicies": ');
  await expect(page.getByTestId('document-invalid')).toContainText('Not valid JSON');
  await page.getByTestId('view-form').click();
  await expect(page.getByTestId('form-unavailable')).toBeVisible();
  await page.getByTestId('input-document').fill(JSON.stringify(sample));
  await page.getByTestId('view-form').click();
  await expect(page.getByTestId('form-view')).toBeVisible();
  await page.getByTestId('pe-valid-minutes').fill('60');
  await page.getByTestId('save-policy').click();
  await expect(page).toHaveURL(/saved=created/);
  await portal.hydrated();

  // Download gives the document.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download').click(),
  ]);
  expect(download.suggestedFilename()).toBe('ABIS share.json');

  // Publish v1, revise to v2, and compare the two.
  await page.getByTestId('publish').click();
  await page.getByTestId('confirm-publish').click();
  await expect(page.getByTestId('policy-version')).toHaveText('v1');
  await page.getByTestId('revise').click();
  await expect(page.getByTestId('policy-notice')).toContainText('Revision started');
  // A refused save keeps the author's edit on screen, next to the violation.
  await page.getByTestId('pe-valid-minutes').fill('soon');
  await page.getByTestId('save-policy').click();
  await expect(page.getByTestId('document-error')).toContainText('/dataSharePolicies/validForInMinutes');
  await expect(page.getByTestId('pe-valid-minutes')).toHaveValue('soon');
  await page.getByTestId('pe-valid-minutes').fill('90');
  await page.getByTestId('save-policy').click();
  await expect(page.getByTestId('policy-notice')).toHaveText('Saved.');
  await expect(page.getByTestId('live-document')).toContainText('"60"');
  await page.getByTestId('publish').click();
  await page.getByTestId('confirm-publish').click();
  await expect(page.getByTestId('policy-version')).toHaveText('v2');
  await expect(page.getByTestId('version-row')).toHaveCount(2);
  await expect(page.getByTestId('diff')).toContainText('- ');
  await expect(page.getByTestId('diff').locator('.del')).toContainText('"60"');
  await expect(page.getByTestId('diff').locator('.add')).toContainText('"90"');

  // The group cannot be deactivated while the policy is live; the reason says why.
  await page.goto(`/policies/groups?q=${group}`);
  await portal.hydrated();
  await page.getByTestId('group-toggle').click();
  await page.getByTestId('group-toggle-confirm').click();
  await expect(page.getByTestId('group-error')).toContainText('still has 1 published and 0 draft policies');

  const serious = async () => {
    const result = await new AxeBuilder({ page }).analyze();
    return result.violations.filter(v => v.impact === 'critical' || v.impact === 'serious');
  };
  for (const path of ['/policies', '/policies/groups', '/policies/new']) {
    await page.goto(path);
    await portal.hydrated();
    expect(await serious()).toEqual([]);
  }
});
