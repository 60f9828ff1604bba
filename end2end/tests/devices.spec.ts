import { test, expect, Page } from './fixtures/test';
import * as fs from 'fs';
import * as path from 'path';
import { Portal, PASSWORD } from './fixtures/portal';
import { verifyEmail } from './fixtures/mail';

function uniqueId(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

function isoDay(offsetDays: number) {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

async function signUp(page: Page, id: string, type: string, org: string) {
  const portal = new Portal(page);
  await page.goto('/signup');
  await portal.hydrated();
  await page.getByLabel('Email').fill(`${id}@example.org`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByLabel('Partner id').fill(id);
  await page.getByLabel('Organisation name').fill(org);
  await page.getByLabel('Partner type').selectOption(type);
  await page.getByLabel('Phone').fill('+91 80 1234 5678');
  await page.getByLabel('Address').fill('1 Main Street\nBengaluru');
  await page.getByLabel('Language').selectOption('eng');
  await page.getByTestId('signup-submit').click();
  await expect(page).toHaveURL(/\/partner/);
  await verifyEmail(page, `${id}@example.org`);
  await page.goto('/partner');
  await portal.logout();
}

async function approvePartner(portal: Portal, id: string) {
  await portal.login('admin@example.org');
  await expect(portal.page.getByTestId('user-email')).toHaveText('admin@example.org');
  await portal.page.goto(`/admin/partners/${id}`);
  await portal.hydrated();
  await portal.page.getByTestId('decide-approve').click();
  await portal.page.getByTestId('confirm-approve').click();
  await expect(portal.page.getByTestId('status-badge').first()).toHaveText('Approved');
}

async function signIn(portal: Portal, email: string) {
  await portal.login(email);
  await expect(portal.page.getByTestId('user-email')).toHaveText(email);
}

test('a device provider adds an SBI and two devices; the admin approves one and rejects the other', async ({ page }) => {
  // A long journey (six sign-ins, a second SBI, a link and two deactivations).
  test.setTimeout(120_000);
  const portal = new Portal(page);
  const id = uniqueId('optix');
  await signUp(page, id, 'Device_Provider', `${id} Optics Ltd`);
  await approvePartner(portal, id);
  await portal.logout();

  // The provider declares an SBI; bad input is explained next to its field first.
  await signIn(portal, `${id}@example.org`);
  await portal.nav().getByRole('link', { name: 'SBIs' }).click();
  await portal.hydrated();
  await page.getByLabel('Version').fill('1.0.0');
  await page.getByLabel('Binary hash').fill('not a hash!');
  await page.getByLabel('Expiry date').fill(isoDay(365));
  await page.getByTestId('sbi-submit').click();
  await expect(page.getByText('The hash must be hexadecimal')).toBeVisible();
  await page.getByLabel('Binary hash').fill('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
  await page.getByTestId('sbi-submit').click();
  await expect(page.getByTestId('sbi-created')).toContainText('1.0.0');
  await expect(page.getByTestId('sbi-row').getByTestId('item-status')).toHaveText('Pending approval');
  await portal.logout();

  // The admin approves the SBI from the queue.
  await signIn(portal, 'admin@example.org');
  await portal.nav().getByRole('link', { name: 'Devices' }).click();
  await portal.hydrated();
  await page.getByTestId('filter-partner').fill(id);
  await page.getByTestId('filter-apply').click();
  await expect(page.getByTestId('queue-row')).toHaveCount(1);
  await page.getByTestId('queue-row').getByTestId('approve').click();
  await expect(page.getByTestId('decision-done')).toContainText('approved');
  await portal.logout();

  // The provider adds two devices to it.
  await signIn(portal, `${id}@example.org`);
  await portal.nav().getByRole('link', { name: 'SBIs' }).click();
  await page.getByRole('link', { name: '1.0.0' }).click();
  await portal.hydrated();
  // The expiry date picker offers no more than the server accepts (five years by default).
  for (const [type, sub, model] of [['Finger', 'Slap', 'SLAP-4'], ['Iris', 'Double', 'IRIS-2']]) {
    await page.getByTestId('device-type').selectOption(type);
    await page.getByTestId('device-subtype').selectOption(sub);
    await page.getByLabel('Make').fill('Optix');
    await page.getByLabel('Model').fill(model);
    await page.getByTestId('device-submit').click();
    await expect(page.getByTestId('device-created')).toContainText(model);
    // Ready for the next model: the choices stay, the model is cleared and focused.
    await expect(page.getByTestId('device-type')).toHaveValue(type);
    // The sub-type too (it fell back to the first option, and the next model was saved so).
    await expect(page.getByTestId('device-subtype')).toHaveValue(sub);
    await expect(page.getByLabel('Make')).toHaveValue('Optix');
    await expect(page.getByLabel('Model')).toBeFocused();
    await expect(page.getByLabel('Model')).toHaveValue('');
    // Saved with the type and sub-type chosen, not just the type.
    await expect(page.getByTestId('device-row').filter({ hasText: model })).toContainText(`${type} / ${sub}`);
  }
  await expect(page.getByTestId('device-row')).toHaveCount(2);
  await portal.logout();

  // The admin approves one and rejects the other with a reason.
  await signIn(portal, 'admin@example.org');
  await page.goto(`/admin/devices?kind=devices&partner=${id}`);
  await portal.hydrated();
  await expect(page.getByTestId('queue-row')).toHaveCount(2);
  const slap = page.getByTestId('queue-row').filter({ hasText: 'SLAP-4' });
  await slap.getByTestId('approve').click();
  await expect(page.getByTestId('decision-done')).toContainText('SLAP-4');
  const iris = page.getByTestId('queue-row').filter({ hasText: 'IRIS-2' });
  await iris.getByTestId('reject').click();
  await iris.getByTestId('reject-reason').fill('Iris quality report missing');
  await iris.getByTestId('reject-confirm').click();
  await expect(page.getByTestId('decision-done')).toContainText('rejected');
  await portal.logout();

  // The provider sees both outcomes, with the reason.
  await signIn(portal, `${id}@example.org`);
  await portal.nav().getByRole('link', { name: 'Devices' }).click();
  await expect(page.getByTestId('device-row').filter({ hasText: 'SLAP-4' }).getByTestId('item-status')).toHaveText('Approved');
  const rejected = page.getByTestId('device-row').filter({ hasText: 'IRIS-2' });
  await expect(rejected.getByTestId('item-status')).toHaveText('Rejected');
  await expect(rejected.getByTestId('device-reason')).toContainText('Iris quality report missing');

  // A newer SBI: once approved, the approved model is linked to it from the devices page.
  await portal.nav().getByRole('link', { name: 'SBIs' }).click();
  await portal.hydrated();
  const expiry = page.getByLabel('Expiry date');
  await expect(expiry).toHaveAttribute('min', isoDay(1));
  await expect(expiry).toHaveAttribute('max', /^\d{4}-\d{2}-\d{2}$/);
  await page.getByLabel('Version').fill('2.0.0');
  await page.getByLabel('Binary hash').fill('60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752');
  await expiry.fill(isoDay(400));
  await page.getByTestId('sbi-submit').click();
  await expect(page.getByTestId('sbi-created')).toContainText('2.0.0');
  await portal.logout();
  await signIn(portal, 'admin@example.org');
  await page.goto(`/admin/devices?partner=${id}`);
  await portal.hydrated();
  await page.getByTestId('queue-row').filter({ hasText: '2.0.0' }).getByTestId('approve').click();
  await expect(page.getByTestId('decision-done')).toContainText('approved');
  await portal.logout();
  await signIn(portal, `${id}@example.org`);
  await portal.nav().getByRole('link', { name: 'Devices' }).click();
  await portal.hydrated();
  // A rejected model cannot be linked; the approved one can.
  await expect(page.getByTestId('device-row').filter({ hasText: 'IRIS-2' }).getByTestId('device-link')).toHaveCount(0);
  const approvedRow = page.getByTestId('device-row').filter({ hasText: 'SLAP-4' });
  await approvedRow.getByTestId('device-link-sbi').selectOption({ label: '2.0.0' });
  await approvedRow.getByTestId('device-link').click();
  await expect(page.getByTestId('device-linked')).toContainText('1.0.0, 2.0.0');
  await expect(page.getByTestId('device-row').filter({ hasText: 'SLAP-4' }).getByTestId('device-sbis')).toHaveText('1.0.0, 2.0.0');
  await portal.logout();

  // The admin follows an SBI to its devices, then deactivates 1.0.0: the impact is shown
  // before confirming, and the model lives on through 2.0.0.
  await signIn(portal, 'admin@example.org');
  await page.goto(`/admin/devices?status=any&partner=${id}`);
  await portal.hydrated();
  const old = page.getByTestId('queue-row').filter({ hasText: '1.0.0' });
  await expect(old.getByTestId('sbi-devices')).toHaveText('2 device(s)');
  await old.getByTestId('sbi-devices').click();
  await expect(page.getByTestId('sbi-filter')).toBeVisible();
  await expect(page.getByTestId('device-queue').getByTestId('queue-row')).toHaveCount(2);
  const csv = await page.getByTestId('export-csv').getAttribute('href');
  expect(csv).toMatch(/^\/admin\/export\/devices\.csv\?.*sbi=/);
  await page.goto(`/admin/devices?status=APPROVED&partner=${id}`);
  await portal.hydrated();
  const oldRow = page.getByTestId('queue-row').filter({ hasText: '1.0.0' });
  await oldRow.getByTestId('deactivate').click();
  await expect(oldRow.getByTestId('deactivate-impact')).toContainText('deactivates 0 approved device(s) and rejects 0 pending');
  await expect(oldRow.getByTestId('deactivate-confirm')).toBeEnabled();
  await oldRow.getByTestId('deactivate-reason').fill('Superseded by 2.0.0');
  await oldRow.getByTestId('deactivate-confirm').click();
  await expect(page.getByTestId('decision-done')).toContainText('deactivated');
  await page.goto(`/admin/devices?kind=devices&status=APPROVED&partner=${id}`);
  await expect(page.getByTestId('queue-row').filter({ hasText: 'SLAP-4' })).toHaveCount(1);
  await portal.logout();

  // The provider heard of the deactivation, then retires 2.0.0 itself: SLAP-4 goes with it.
  await signIn(portal, `${id}@example.org`);
  await page.getByTestId('bell').locator('summary').click();
  await expect(page.getByTestId('bell-item').filter({ hasText: 'SBI deactivated' })).toHaveCount(1);
  await page.goto('/provider/sbis');
  await portal.hydrated();
  await page.getByTestId('sbi-row').filter({ hasText: '2.0.0' }).getByRole('link', { name: '2.0.0' }).click();
  await portal.hydrated();
  await expect(page.getByTestId('sbi-title')).toContainText('2.0.0');
  await page.getByTestId('sbi-deactivate').click();
  await expect(page.getByTestId('sbi-question')).toContainText('Deactivate SBI 2.0.0?');
  await page.getByTestId('sbi-retire-reason').fill('End of support');
  await page.getByTestId('sbi-deactivate-confirm').click();
  await expect(page.getByTestId('sbi-retired')).toContainText('1 device deactivated');
  await expect(page.getByTestId('sbi-reason')).toHaveText('End of support');
  await expect(page.getByTestId('device-row').filter({ hasText: 'SLAP-4' }).getByTestId('item-status')).toHaveText('Deactivated');
  await expect(page.getByTestId('sbi-deactivate')).toHaveCount(0);
});

test('an FTM provider adds a chip and uploads its certificate; the admin approves it', async ({ page }) => {
  const portal = new Portal(page);
  const id = uniqueId('chipco');
  const CERTS = path.join(__dirname, 'fixtures', 'certs');
  await signUp(page, id, 'FTM_Provider', 'Lumen Chips Ltd');
  await approvePartner(portal, id);
  // The FTM trust store gets the chip maker's CA chain.
  await page.goto('/admin/certificates');
  await portal.hydrated();
  await page.getByTestId('ca-domain').selectOption('FTM');
  await page.getByTestId('cert-content').fill(fs.readFileSync(path.join(CERTS, 'ftm-chain.pem'), 'utf8'));
  await page.getByTestId('ca-check').click();
  await page.getByTestId('ca-confirm').click();
  await expect(page.getByTestId('ca-stored')).toBeVisible();
  await portal.logout();

  await signIn(portal, `${id}@example.org`);
  await portal.nav().getByRole('link', { name: 'Chips' }).click();
  await portal.hydrated();
  await page.getByLabel('Make').fill('Lumen');
  await page.getByLabel('Model').fill('SE-100');
  await page.getByTestId('chip-submit').click();
  const chip = page.getByTestId('chip-row').filter({ hasText: 'SE-100' });
  await expect(chip.getByTestId('item-status')).toHaveText('Certificate needed');
  await chip.getByTestId('cert-file').setInputFiles(path.join(CERTS, 'ftm-chip.pem'));
  await chip.getByTestId('chip-upload').click();
  await expect(chip.getByTestId('item-status')).toHaveText('Pending approval');
  await chip.getByTestId('chip-certs').click();
  const resigned = await Promise.all([page.waitForEvent('download'), chip.getByTestId('chip-download-resigned').click()]);
  expect(fs.readFileSync((await resigned[0].path())!, 'utf8')).toContain('-----BEGIN CERTIFICATE-----');
  await portal.logout();

  await signIn(portal, 'admin@example.org');
  await page.goto(`/admin/devices?kind=chips&partner=${id}`);
  await portal.hydrated();
  // The admin can read the chip's certificate before deciding.
  await expect(page.getByTestId('queue-row').getByTestId('chip-cert-validity')).toContainText('until');
  await page.getByTestId('queue-row').getByTestId('chip-certs').click();
  const adminCopy = await Promise.all([page.waitForEvent('download'), page.getByTestId('queue-row').getByTestId('chip-download').click()]);
  expect(fs.readFileSync((await adminCopy[0].path())!, 'utf8')).toContain('-----BEGIN CERTIFICATE-----');
  await page.getByTestId('queue-row').getByTestId('approve').click();
  await expect(page.getByTestId('decision-done')).toContainText('approved');
  await portal.logout();

  // The provider retires the chip, with a reason: downstream stops trusting it.
  await signIn(portal, `${id}@example.org`);
  await portal.nav().getByRole('link', { name: 'Chips' }).click();
  await portal.hydrated();
  const approved = page.getByTestId('chip-row').filter({ hasText: 'SE-100' });
  await expect(approved.getByTestId('item-status')).toHaveText('Approved');
  await approved.getByTestId('chip-deactivate').click();
  await approved.getByTestId('chip-retire-reason').fill('Recalled');
  await approved.getByTestId('chip-deactivate-confirm').click();
  await expect(page.getByTestId('chip-retired')).toContainText('Lumen SE-100 deactivated');
  await expect(approved.getByTestId('item-status')).toHaveText('Deactivated');
  await expect(approved.getByTestId('chip-reason')).toContainText('Recalled');
});
