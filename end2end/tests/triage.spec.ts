import { request as pwRequest, APIRequestContext } from '@playwright/test';
import { test, expect } from './fixtures/test';
import AxeBuilder from '@axe-core/playwright';
import { Portal, PASSWORD } from './fixtures/portal';
import { verificationLink } from './fixtures/mail';

const BASE = 'http://127.0.0.1:3100';
const HASH = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

function uniqueId(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

function isoDay(offsetDays: number) {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

async function call(ctx: APIRequestContext, path: string, form: Record<string, string>) {
  const r = await ctx.post(path, { form });
  expect(r.status(), `${path}: ${await r.text()}`).toBe(200);
  return r;
}

/** A partner registered through the public sign-up, its email verified from the mailed link
 *  (so it reaches the inbox); the context holds its session. */
async function signUp(id: string, type: string): Promise<APIRequestContext> {
  const ctx = await pwRequest.newContext({ baseURL: BASE });
  await call(ctx, '/api/partners/sign_up', {
    email: `${id}@example.org`,
    password: PASSWORD,
    confirm_password: PASSWORD,
    partner_id: id,
    organisation: `${id} Ltd`,
    partner_type: type,
    phone: '+91 80 1234 5678',
    address: '1 Main Street',
    language: 'eng',
  });
  const link = await verificationLink(`${id}@example.org`);
  const token = new URL(link, BASE).searchParams.get('token')!;
  const verified = await ctx.post('/api/email/verify', { form: { token } });
  expect(verified.status(), await verified.text()).toBeLessThan(400);
  return ctx;
}

test('a partner admin triages by keyboard and in bulk, a decision taken meanwhile is reported, and the provider sees outcomes and expiry notifications', async ({ page }) => {
  test.setTimeout(90_000);
  const portal = new Portal(page);
  const dev = uniqueId('tri-dev');
  const devApi = await signUp(dev, 'Device_Provider');
  const misp: string[] = [];
  for (const n of [1, 2, 3]) {
    const id = uniqueId(`tri-m${n}`);
    misp.push(id);
    await (await signUp(id, 'MISP_Partner')).dispose();
  }
  // A second partner admin, working from a script at the same time.
  const otherAdmin = await pwRequest.newContext({ baseURL: BASE });
  await call(otherAdmin, '/api/login', { email: 'admin@example.org', password: PASSWORD });

  await portal.login('admin@example.org');
  await expect(page.getByTestId('user-email')).toHaveText('admin@example.org');
  const rows = page.getByTestId('inbox-row');
  const outcome = page.getByTestId('inbox-outcome');
  const row = (id: string) => page.locator(`[data-testid="inbox-row"][data-id="${id}"]`);

  // The registration, decided with the keyboard; "?" shows the shortcuts.
  await portal.nav().getByRole('link', { name: 'Inbox' }).click();
  await page.goto(`/admin/inbox?partner=${dev}`);
  await portal.hydrated();
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId('detail-title')).toContainText(`${dev} Ltd`);
  await expect(page.getByTestId('detail-cert')).toContainText('Missing');
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcuts')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('shortcuts')).toBeHidden();
  await page.keyboard.press('a');
  await expect(outcome).toContainText('approved');
  await expect(page.getByTestId('inbox-empty')).toBeVisible();

  // Two SBIs: approve the first with "a"; "r" goes to the reason, which a rejection needs.
  await call(devApi, '/api/sbis/create', { version: '1.0.0', binary_hash: HASH, created_on: isoDay(-10), expires_on: isoDay(10) });
  await call(devApi, '/api/sbis/create', { version: '2.0.0', binary_hash: HASH, created_on: isoDay(-10), expires_on: isoDay(300) });
  await page.goto(`/admin/inbox?partner=${dev}&kind=sbi`);
  await portal.hydrated();
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('count-sbi')).toContainText('SBIs (2)');
  await expect(page.getByTestId('detail-title')).toHaveText('SBI version 1.0.0');
  await expect(page.getByTestId('detail-facts')).toContainText(HASH);
  const inboxAxe = await new AxeBuilder({ page }).analyze();
  expect(inboxAxe.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')).toEqual([]);
  await page.keyboard.press('a');
  await expect(outcome).toContainText('SBI version 1.0.0');
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId('detail-title')).toHaveText('SBI version 2.0.0');
  await page.keyboard.press('r');
  await expect(page.getByTestId('inbox-reason')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('reason-error')).toContainText('reason');
  await expect(rows).toHaveCount(1);
  await page.getByTestId('inbox-reason').fill('Binary hash does not match the build');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('inbox-empty')).toBeVisible();

  // Filters: MISP registrations, newest first; j and k move the cursor.
  await page.goto('/admin/inbox?type=MISP_Partner&sort=newest');
  await portal.hydrated();
  await expect(rows.nth(0)).toHaveAttribute('data-id', misp[2]);
  await expect(rows.nth(1)).toHaveAttribute('data-id', misp[1]);
  await expect(rows.nth(2)).toHaveAttribute('data-id', misp[0]);
  await expect(rows.nth(0)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('detail-title')).toContainText(`${misp[2]} Ltd`);
  await page.keyboard.press('j');
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('detail-title')).toContainText(`${misp[1]} Ltd`);
  await page.keyboard.press('k');
  await expect(rows.nth(0)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('detail-title')).toContainText(`${misp[2]} Ltd`);
  // The CSV export is the list as filtered.
  const href = await page.getByTestId('inbox-export').getAttribute('href');
  expect(href).toContain('type=MISP_Partner');
  const csv = await page.request.get(href!);
  expect(csv.status()).toBe(200);
  const text = await csv.text();
  expect(text.split('\n')[0]).toContain('organisation');
  expect(text).toContain(misp[0]);
  expect(text).not.toContain(dev);

  // Another admin approves the selected registration meanwhile: this decision is refused and
  // the list refreshes without it.
  await call(otherAdmin, '/api/inbox/decide', { kind: 'partner', id: misp[2], approve: 'true' });
  await page.keyboard.press('a');
  await expect(page.getByTestId('inbox-refused')).toContainText('decided meanwhile');
  await expect(row(misp[2])).toHaveCount(0);

  // Bulk: a rejection without a reason changes nothing; the approval reports per item.
  await row(misp[1]).getByTestId('inbox-check').check();
  await row(misp[0]).getByTestId('inbox-check').check();
  await expect(page.getByTestId('bulk-bar')).toContainText('2 selected');
  await page.getByTestId('bulk-reject').click();
  await expect(page.getByTestId('inbox-refused')).toContainText('reason');
  await expect(row(misp[1])).toHaveCount(1);
  await page.getByTestId('bulk-approve').click();
  const results = page.getByTestId('bulk-result');
  await expect(results).toHaveCount(2);
  await expect(results.nth(0)).toContainText('Done');
  await expect(results.nth(1)).toContainText('Done');
  await expect(row(misp[1])).toHaveCount(0);
  await expect(row(misp[0])).toHaveCount(0);

  // The dashboard: pending counts and the decisions chart with its data table.
  await portal.nav().getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByTestId('admin-board')).toBeVisible();
  const chart = page.getByTestId('decisions-chart');
  await expect(chart.locator('svg > title')).toHaveText('Decisions per day, last 30 days');
  await chart.locator('summary').click();
  await expect(page.getByTestId('decisions-table')).toContainText(isoDay(0));
  await page.getByTestId('chart-90').click();
  await expect(chart.locator('svg > title')).toHaveText('Decisions per day, last 90 days');
  const dashAxe = await new AxeBuilder({ page }).analyze();
  expect(dashAxe.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')).toEqual([]);

  // The expiry check, run now: the SBI expiring in ten days is notified to its provider.
  await page.goto('/notifications');
  await portal.hydrated();
  await page.getByTestId('run-expiry-check').click();
  await expect(page.getByTestId('run-report')).toContainText('Done');
  await portal.logout();

  // The provider sees both outcomes and the warning.
  await portal.login(`${dev}@example.org`);
  const attention = page.getByTestId('attention');
  await expect(attention).toContainText('SBI 2.0.0 rejected');
  await expect(attention).toContainText('Binary hash does not match the build');
  await expect(attention).toContainText('SBI 1.0.0 expiring');
  // The warning, and three decisions that were news for it: its registration, both SBIs.
  await expect(page.getByTestId('bell-count')).toHaveText('4');
  await page.getByTestId('bell').locator('summary').click();
  await expect(page.getByTestId('bell-item').first()).toContainText(/SBI expires in 1[01] days/);
  await expect(page.getByTestId('bell-item').filter({ hasText: 'SBI rejected' })).toHaveCount(1);
  await page.getByRole('link', { name: 'All notifications' }).click();
  await portal.hydrated();
  await expect(page.getByTestId('notification')).toHaveCount(4);
  await expect(page.getByTestId('notification').filter({ hasText: 'SBI rejected' })).toContainText('Binary hash does not match the build');
  await page.goto('/notifications?kind=SBI_EXPIRY');
  await portal.hydrated();
  const note = page.getByTestId('notification');
  await expect(note).toHaveCount(1);
  await expect(note).toContainText('1.0.0');
  await note.getByTestId('dismiss').click();
  await expect(page.getByTestId('notifications-empty')).toBeVisible();
  await expect(page.getByTestId('bell-count')).toHaveText('3');
  await devApi.dispose();
  await otherAdmin.dispose();
});
