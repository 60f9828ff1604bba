import { test, expect, Page } from './fixtures/test';
import AxeBuilder from '@axe-core/playwright';
import { Portal, PASSWORD } from './fixtures/portal';
import { verificationLink, verifyEmail } from './fixtures/mail';

/** A partner id that no other run of the journeys has used. */
function uniqueId(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

/** Sign up as `id` and (unless `verify` is false) verify the email from the mailed link,
 *  ending on the partner's own page. */
async function signUp(page: Page, id: string, type = 'Device_Provider', verify = true) {
  const portal = new Portal(page);
  await page.goto('/signup');
  await portal.hydrated();
  await page.getByLabel('Email').fill(`${id}@example.org`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByLabel('Partner id').fill(id);
  await page.getByLabel('Organisation name').fill(`${id} Biometrics Ltd`);
  await page.getByLabel('Partner type').selectOption(type);
  await page.getByLabel('Phone').fill('+91 80 1234 5678');
  await page.getByLabel('Address').fill('1 Main Street\nBengaluru');
  await page.getByLabel('Language').selectOption('eng');
  await page.getByTestId('signup-submit').click();
  await expect(page).toHaveURL(/\/partner\?registered=1/);
  if (verify) {
    await verifyEmail(page, `${id}@example.org`);
    await page.goto('/partner');
  }
}

async function signInAs(portal: Portal, email: string) {
  await portal.login(email);
  await expect(portal.page.getByTestId('user-email')).toHaveText(email);
}

async function openPartnerAsAdmin(portal: Portal, id: string) {
  const page = portal.page;
  await signInAs(portal, 'admin@example.org');
  await portal.nav().getByRole('link', { name: 'Partners' }).click();
  await expect(page.getByTestId('partners-table')).toBeVisible();
  await portal.hydrated();
  await page.getByTestId('filter-q').fill(id);
  await page.getByTestId('filter-status').selectOption('PENDING');
  await page.getByTestId('filter-apply').click();
  // The list state lives in the URL, so the filtered view can be shared.
  await expect(page).toHaveURL(new RegExp(`q=${id}.*status=PENDING|status=PENDING.*q=${id}`));
  await expect(page.getByTestId('partner-row')).toHaveCount(1);
  await page.getByRole('link', { name: id, exact: true }).click();
  await expect(page.getByTestId('partner-title')).toContainText(`${id} Biometrics Ltd`);
}

test('a partner signs up, verifies its email and waits; the admin finds and approves it; the partner sees approved', async ({ page }) => {
  const portal = new Portal(page);
  const id = uniqueId('nimbus');
  await signUp(page, id, 'Device_Provider', false);
  await expect(page.getByTestId('registered')).toBeVisible();
  // First the email: the registration is not with the admins until its link is opened.
  await expect(page.getByTestId('partner-status').getByTestId('status-badge')).toHaveText('Email not verified');
  await expect(page.getByTestId('verify-needed')).toContainText(`${id}@example.org`);
  await expect(page.getByTestId('pending-email-address')).toHaveText(`${id}@example.org`);
  await portal.hydrated();
  await page.getByTestId('verify-resend').click();
  await expect(page.getByTestId('verify-resent')).toBeVisible();
  // Only the newest link works.
  const first = await verificationLink(`${id}@example.org`, 1);
  await verificationLink(`${id}@example.org`, 2);
  await page.goto(first);
  await expect(page.getByTestId('verify-invalid')).toBeVisible();
  await verifyEmail(page, `${id}@example.org`, 2);
  await page.goto('/partner');
  await expect(page.getByTestId('pending-email')).toHaveCount(0);
  await expect(page.getByTestId('partner-status').getByTestId('status-badge')).toHaveText('Pending approval');
  await expect(page.getByTestId('partner-status')).toContainText('become available once it is approved');
  await portal.logout();

  await openPartnerAsAdmin(portal, id);
  await expect(page.getByTestId('status-badge').first()).toHaveText('Pending approval');
  // Deactivation is not offered for a pending partner.
  await expect(page.getByTestId('decide-deactivate')).toHaveCount(0);
  await page.getByTestId('decide-approve').click();
  await page.getByTestId('confirm-approve').click();
  await expect(page.getByTestId('status-badge').first()).toHaveText('Approved');
  await expect(page.getByTestId('status-history')).toContainText('Pending approval');
  await expect(page.getByTestId('audit-table')).toContainText('PARTNER_APPROVED');
  await portal.logout();

  await signInAs(portal, `${id}@example.org`);
  await expect(page.getByTestId('organisation-card').getByTestId('status-badge')).toHaveText('Approved');
  await portal.nav().getByRole('link', { name: 'My organisation' }).click();
  await expect(page.getByTestId('partner-status').getByTestId('status-badge')).toHaveText('Approved');
});

test('a rejection shows its reason to the partner, who corrects and resubmits', async ({ page }) => {
  const portal = new Portal(page);
  const id = uniqueId('orbit');
  await signUp(page, id, 'FTM_Provider');
  await expect(page.getByTestId('partner-status')).toBeVisible();
  await portal.logout();

  await openPartnerAsAdmin(portal, id);
  await page.getByTestId('decide-reject').click();
  // The reason is required: the browser and the server both refuse an empty one.
  await page.getByTestId('reason-reject').fill('The address lacks a postal code.');
  await page.getByTestId('confirm-reject').click();
  await expect(page.getByTestId('status-badge').first()).toHaveText('Rejected');
  await expect(page.getByTestId('detail-reason')).toHaveText('The address lacks a postal code.');
  await portal.logout();

  await signInAs(portal, `${id}@example.org`);
  await page.goto('/partner');
  await portal.hydrated();
  await expect(page.getByTestId('status-reason')).toHaveText('The address lacks a postal code.');
  await page.getByTestId('input-address').fill('1 Main Street\nBengaluru 560001');
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('profile-saved')).toBeVisible();
  await page.getByTestId('resubmit').click();
  await expect(page.getByTestId('partner-status').getByTestId('status-badge')).toHaveText('Pending approval');
});

test('sign-up mistakes are shown next to their field and nothing is registered', async ({ page }) => {
  const portal = new Portal(page);
  const id = uniqueId('dup');
  await signUp(page, id, 'Device_Provider', false);
  await portal.logout();

  // The same partner id again, with another email.
  await page.goto('/signup');
  await portal.hydrated();
  await page.getByLabel('Partner type').selectOption('Auth_Partner');
  // No policy group exists yet: the form says so.
  await expect(page.getByText('No policy group is available yet')).toBeVisible();
  await page.getByLabel('Partner type').selectOption('Device_Provider');
  await expect(page.getByTestId('input-policy_group_id')).toBeDisabled();
  await page.getByLabel('Email').fill(`other-${id}@example.org`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByLabel('Partner id').fill(id);
  await page.getByLabel('Organisation name').fill('Other Ltd');
  await page.getByLabel('Phone').fill('+91 80 1234 5678');
  await page.getByLabel('Address').fill('Somewhere');
  await page.getByTestId('signup-submit').click();
  await expect(page.getByTestId('error-partner_id')).toHaveText('This partner id is already registered; choose another.');
  await page.getByLabel('Partner id').fill(`${id}-2`);
  await page.getByLabel('Phone').fill('phone 12');
  // Two mistakes in one submit: both are reported at once, each under its field.
  await page.getByLabel('Organisation name').fill('Acme \u202Egnp.exe\u202C Ltd');
  await page.getByTestId('signup-submit').click();
  await expect(page.getByTestId('error-phone')).toContainText('Enter a phone number');
  await expect(page.getByTestId('error-organisation')).toContainText('U+202E');
  await expect(page.getByTestId('input-organisation')).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/signup/);
});

test('a partner edits its profile and contacts; the admin audit log shows the changes', async ({ page }) => {
  const portal = new Portal(page);
  const id = uniqueId('contact');
  await signUp(page, id, 'MISP_Partner');
  await expect(page.getByTestId('partner-status')).toBeVisible();
  await portal.hydrated();
  await page.getByTestId('input-phone').fill('+44 20 7946 0000');
  await page.getByTestId('input-language').selectOption('fra');
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('profile-saved')).toBeVisible();
  await page.getByTestId('input-contact_email').fill(`ops@${id}.example.org`);
  await page.getByTestId('contact-add').click();
  await expect(page.getByTestId('contact-row')).toHaveCount(1);
  await page.getByTestId('input-contact_email').fill(`ops@${id}.example.org`);
  await page.getByTestId('contact-add').click();
  await expect(page.getByTestId('error-contact_email')).toHaveText('This contact is already listed.');
  await page.getByRole('button', { name: `Remove ops@${id}.example.org` }).click();
  await expect(page.getByTestId('contacts-empty')).toBeVisible();
  // A new contact email is used only once its link is opened.
  const newEmail = `office-${id}@example.org`;
  await page.getByTestId('input-email').fill(newEmail);
  await page.getByTestId('profile-save').click();
  await expect(page.getByTestId('pending-email-address')).toHaveText(newEmail);
  await expect(page.getByTestId('pending-email')).toContainText('until then the current one stays');
  await verifyEmail(page, newEmail);
  await page.goto('/partner');
  await expect(page.getByTestId('input-email')).toHaveValue(newEmail);
  await expect(page.getByTestId('pending-email')).toHaveCount(0);
  await portal.logout();

  await signInAs(portal, 'admin@example.org');
  await page.goto(`/admin/audit?actor=${encodeURIComponent(`${id}@example.org`)}`);
  await expect(page.getByTestId('audit-table')).toContainText('LOGOUT');
  await portal.hydrated();
  await page.getByTestId('filter-type').selectOption('partner');
  await page.getByTestId('filter-apply').click();
  await expect(page).toHaveURL(/type=partner/);
  await expect(page.getByTestId('audit-table')).not.toContainText('LOGOUT');
  // Newest first: the verified contact email, then the contact's removal.
  await expect(page.getByTestId('audit-row').first()).toContainText('verified_by: email link');
  await expect(page.getByTestId('audit-table')).toContainText('PARTNER_CONTACT_REMOVED');
  await expect(page.getByTestId('audit-table')).toContainText('PARTNER_EMAIL_VERIFICATION_SENT');
  await expect(page.getByTestId('audit-table')).toContainText('language: eng → fra');
  await expect(page.getByTestId('audit-table')).toContainText('PARTNER_CREATED');
});

test('an admin registers a partner, approved at once; operator-only types are offered and need a policy group', async ({ page }) => {
  const portal = new Portal(page);
  const id = uniqueId('ekyc');
  await signInAs(portal, 'admin@example.org');
  await page.goto('/admin/partners/new');
  await portal.hydrated();
  await page.getByLabel('Partner type').selectOption('Online_Verification_Partner');
  await page.getByLabel('Email').fill(`${id}@example.org`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByLabel('Partner id').fill(id);
  await page.getByLabel('Organisation name').fill(`${id} Biometrics Ltd`);
  await page.getByLabel('Phone').fill('+91 80 1234 5678');
  await page.getByLabel('Address').fill('1 Main Street');
  await page.getByTestId('new-partner-submit').click();
  // Online verification partners need a policy group, and none exists yet.
  await expect(page.getByTestId('error-policy_group_id')).toContainText('must choose a policy group');
  await page.getByLabel('Partner type').selectOption('Device_Provider');
  await page.getByTestId('new-partner-submit').click();
  await expect(page).toHaveURL(new RegExp(`/admin/partners/${id}\\?created=1`));
  await expect(page.getByTestId('status-badge').first()).toHaveText('Approved');
});

test('registration and partner administration pages have no serious accessibility violations', async ({ page }) => {
  const portal = new Portal(page);
  const serious = async () => {
    const result = await new AxeBuilder({ page }).analyze();
    return result.violations.filter(v => v.impact === 'critical' || v.impact === 'serious');
  };
  await page.goto('/signup');
  await portal.hydrated();
  expect(await serious()).toEqual([]);
  await signInAs(portal, 'admin@example.org');
  for (const path of ['/admin/partners', '/admin/audit', '/admin/partners/new']) {
    await page.goto(path);
    await portal.hydrated();
    expect(await serious(), path).toEqual([]);
  }
});
