import { test, expect, Page } from './fixtures/test';
import * as fs from 'fs';
import * as path from 'path';
import { Portal, PASSWORD } from './fixtures/portal';
import { verifyEmail } from './fixtures/mail';

// Made once by fixtures/certs/make.sh: a DEVICE chain root -> intermediate -> partner leaf
// whose subject says O=Lumen Devices Ltd, and a leaf of another organisation.
const CERTS = path.join(__dirname, 'fixtures', 'certs');
const ORG = 'Lumen Devices Ltd';

function uniqueId(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

async function signUpDeviceProvider(page: Page, id: string) {
  const portal = new Portal(page);
  await page.goto('/signup');
  await portal.hydrated();
  await page.getByLabel('Email').fill(`${id}@example.org`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByLabel('Partner id').fill(id);
  await page.getByLabel('Organisation name').fill(ORG);
  await page.getByLabel('Partner type').selectOption('Device_Provider');
  await page.getByLabel('Phone').fill('+91 80 1234 5678');
  await page.getByLabel('Address').fill('1 Main Street\nBengaluru');
  await page.getByLabel('Language').selectOption('eng');
  await page.getByTestId('signup-submit').click();
  await expect(page).toHaveURL(/\/partner/);
  await verifyEmail(page, `${id}@example.org`);
  await page.goto('/partner');
}

async function downloadText(page: Page, testId: string) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), text: fs.readFileSync(file!, 'utf8') };
}

test('admin builds the DEVICE trust store; a device provider uploads its certificate and downloads the re-signed one', async ({ page }) => {
  const portal = new Portal(page);
  await portal.login('admin@example.org');
  await portal.nav().getByRole('link', { name: 'Trust store' }).click();
  await expect(page.getByRole('heading', { name: 'Trust store' })).toBeVisible();
  await portal.hydrated();

  // The intermediate alone is refused: its root is not trusted yet.
  await page.getByTestId('ca-domain').selectOption('DEVICE');
  await page.getByTestId('cert-content').fill(fs.readFileSync(path.join(CERTS, 'intermediate.pem'), 'utf8'));
  await page.getByTestId('ca-check').click();
  const refused = page.getByTestId('ca-report-item');
  await expect(refused).toHaveAttribute('data-accepted', 'false');
  await expect(refused.getByTestId('cert-problem')).toContainText('Issuer not found');
  await expect(page.getByTestId('ca-confirm')).toHaveCount(0);

  // The root, as a DER file through the file picker: details shown before confirming.
  await page.getByTestId('cert-file').setInputFiles(path.join(CERTS, 'root.der'));
  await expect(page.getByTestId('cert-file-name')).toContainText('root.der');
  await page.getByTestId('ca-check').click();
  await expect(page.getByTestId('ca-report-item')).toHaveAttribute('data-accepted', 'true');
  await expect(page.getByTestId('cert-subject')).toContainText('Lumen Device Root CA');
  await expect(page.getByTestId('cert-key')).toHaveText('EC P-256');
  await page.getByTestId('ca-confirm').click();
  await expect(page.getByTestId('ca-stored')).toContainText('Added 1 certificate to the DEVICE trust store');

  // Now the intermediate, pasted.
  await page.getByTestId('cert-content').fill(fs.readFileSync(path.join(CERTS, 'intermediate.pem'), 'utf8'));
  await page.getByTestId('ca-check').click();
  await expect(page.getByTestId('ca-report-item')).toHaveAttribute('data-accepted', 'true');
  await page.getByTestId('ca-confirm').click();
  await expect(page.getByTestId('ca-stored')).toBeVisible();

  // The list filters by domain and kind; the detail shows the chain up to the root.
  await page.getByTestId('filter-domain').selectOption('DEVICE');
  await page.getByTestId('filter-kind').selectOption('INTERMEDIATE');
  await page.getByTestId('filter-apply').click();
  await expect(page).toHaveURL(/kind=INTERMEDIATE/);
  await expect(page.getByTestId('ca-row')).toHaveCount(1);
  await page.getByTestId('ca-row').getByRole('link').click();
  await expect(page.getByTestId('ca-chain-link')).toHaveCount(2);
  await expect(page.getByTestId('ca-chain-link').nth(1)).toContainText('Lumen Device Root CA');
  const ca = await downloadText(page, 'ca-download');
  expect(ca.text).toContain('-----BEGIN CERTIFICATE-----');
  await portal.logout();

  // A device provider registers with the organisation named in its certificate.
  const id = uniqueId('lumen');
  await signUpDeviceProvider(page, id);
  await portal.nav().getByRole('link', { name: 'Certificate' }).click();
  await expect(page.getByTestId('cert-missing')).toContainText('DEVICE domain');
  await portal.hydrated();

  // Another organisation's certificate is explained, and cannot be uploaded.
  await page.getByTestId('cert-file').setInputFiles(path.join(CERTS, 'other-org.pem'));
  await page.getByTestId('cert-check').click();
  await expect(page.getByTestId('cert-check-result')).toHaveAttribute('data-ok', 'false');
  await expect(page.locator('[data-check="organisation"]')).toContainText(`registered as "${ORG}"`);
  await expect(page.getByTestId('cert-confirm')).toHaveCount(0);

  // A private key pasted by mistake is refused with the warning that it is leaked.
  await page.getByTestId('cert-content').fill('-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n');
  await page.getByTestId('cert-check').click();
  await expect(page.getByTestId('cert-error')).toContainText('consider it leaked');

  // Its own certificate passes every check and is uploaded.
  await page.getByTestId('cert-file').setInputFiles(path.join(CERTS, 'partner.pem'));
  await page.getByTestId('cert-check').click();
  await expect(page.getByTestId('cert-check-result')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('cert-subject')).toContainText(`O=${ORG}`);
  await page.getByTestId('cert-confirm').click();
  await expect(page.getByTestId('cert-uploaded')).toBeVisible();
  await expect(page.getByTestId('cert-status')).toHaveText('Valid');
  await expect(page.getByTestId('cert-days-left')).toContainText('days left');

  const uploaded = await downloadText(page, 'download-uploaded');
  expect(uploaded.text.replace(/\s/g, '')).toBe(fs.readFileSync(path.join(CERTS, 'partner.pem'), 'utf8').replace(/\s/g, ''));
  const resigned = await downloadText(page, 'download-resigned');
  expect(resigned.name).toBe(`${id}-pms-signed.pem`);
  expect(resigned.text).toContain('-----BEGIN CERTIFICATE-----');
  expect(resigned.text).not.toBe(uploaded.text);

  // Uploading it again renews the re-signed certificate; the earlier upload stays, with both
  // of its downloads.
  await page.getByTestId('cert-file').setInputFiles(path.join(CERTS, 'partner.pem'));
  await page.getByTestId('cert-check').click();
  await expect(page.getByTestId('cert-check-result')).toHaveAttribute('data-ok', 'true');
  await page.getByTestId('cert-confirm').click();
  await expect(page.getByTestId('cert-uploaded')).toBeVisible();
  await expect(page.getByTestId('cert-history-row')).toHaveCount(1);
  const earlier = await downloadText(page, 'history-download-resigned');
  expect(earlier.text).toContain('-----BEGIN CERTIFICATE-----');

  // The dashboard shows the certificate's status and days to expiry.
  await portal.nav().getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByTestId('cert-card')).toContainText('days left');

  // The portal's signing CA is public, for downstream services.
  const pem = await page.request.get('/pki/signing-ca/DEVICE');
  expect(pem.status()).toBe(200);
  expect(await pem.text()).toContain('-----BEGIN CERTIFICATE-----');

  // The admin sees the partner's certificate on its page.
  await portal.logout();
  await portal.login('admin@example.org');
  await expect(page.getByTestId('user-email')).toHaveText('admin@example.org');
  await page.goto(`/admin/partners/${id}`);
  await expect(page.getByTestId('cert-current').getByTestId('cert-status')).toHaveText('Valid');
  await expect(page.getByTestId('cert-current').getByTestId('cert-subject')).toContainText(`O=${ORG}`);
});

test('a partner cannot open the trust store, and its server functions refuse it', async ({ page }) => {
  const portal = new Portal(page);
  await portal.login('partner@example.org');
  // Signed in before navigating: otherwise the 403 can race the session cookie.
  await expect(page.getByTestId('user-email')).toHaveText('partner@example.org');
  await expect(portal.nav().getByRole('link', { name: 'Trust store' })).toHaveCount(0);
  const response = await page.goto('/admin/certificates');
  expect(response?.status()).toBe(403);
  const api = await page.request.post('/api/certificates/ca/upload', {
    form: { domain: 'AUTH', content: fs.readFileSync(path.join(CERTS, 'root.pem'), 'utf8') },
  });
  expect(api.status()).toBe(403);
});
