// Every page of every role, opened fresh (a new page, a full load) three times: the WASM must
// hydrate without a panic or a console error, and the page must answer a click through the
// client-side router (a dead page still shows its server-rendered text, so text alone proves
// nothing). Runs last: it adds partners, a group and policies that other journeys do not expect.
import { Browser, BrowserContext, Page } from '@playwright/test';
import { test, expect } from './fixtures/test';
import { PASSWORD } from './fixtures/portal';
import { verificationLink } from './fixtures/mail';

const LOADS = Number(process.env.SMOKE_LOADS ?? 3);
const EXPECTED_CONSOLE = /Failed to load resource: the server responded with a status of (401|403|404) /;

type Role = { name: string; ctx: BrowserContext; pages: string[] };

async function form(ctx: BrowserContext, path: string, data: Record<string, string>) {
  const res = await ctx.request.post(path, { form: data });
  const body = await res.text();
  expect(res.status(), `${path}: ${body}`).toBeLessThan(400);
  return body ? JSON.parse(body) : null;
}

async function signedIn(browser: Browser, email: string): Promise<BrowserContext> {
  const ctx = await browser.newContext();
  await form(ctx, '/api/login', { email, password: PASSWORD });
  return ctx;
}

async function signedUp(browser: Browser, id: string, type: string, group?: string) {
  const ctx = await browser.newContext();
  const data: Record<string, string> = {
    email: `${id}@smoke.example.org`,
    password: PASSWORD,
    confirm_password: PASSWORD,
    partner_id: id,
    organisation: `${id} Ltd`,
    partner_type: type,
    phone: '+33 1 23 45 67 89',
    address: '1 Smoke Street',
    language: 'eng',
  };
  if (group) data.policy_group_id = group;
  await form(ctx, '/api/partners/sign_up', data);
  // Its email verified from the mailed link, so it reaches the admins.
  const link = await verificationLink(data.email);
  const token = new URL(link, 'http://portal').searchParams.get('token')!;
  await form(ctx, '/api/email/verify', { token });
  return ctx;
}

/** Open `path` on a fresh page and check it hydrates and answers through the router. */
async function openFresh(ctx: BrowserContext, path: string) {
  const page: Page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !EXPECTED_CONSOLE.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  await page.goto(path);
  if (process.env.SMOKE_LOG) console.log(`smoke: ${path}`);
  const hydrated = await page
    .locator('body[data-hydrated="true"]')
    .waitFor({ timeout: 10_000 })
    .then(() => true, () => false);
  // A panic stops hydration: report what the browser said, not just the missing mark.
  // Soft: one run reports every page that fails, not just the first.
  expect.soft(errors, `errors on ${path}`).toEqual([]);
  expect.soft(hydrated, `${path} hydrates`).toBe(true);
  if (!hydrated || errors.length > 0) {
    await page.close();
    return;
  }
  // A full load would drop this; a client-side navigation keeps it.
  await page.evaluate(() => ((window as any).__smoke = 1));
  const href = await page.evaluate(() => {
    const anchors = ([...document.querySelectorAll('main a[href^="/"]'), ...document.querySelectorAll('header a[href^="/"]')]);
    const a = anchors.find((el) => {
      const h = el.getAttribute('href') ?? '';
      return (
        h.split('?')[0] !== location.pathname &&
        !el.hasAttribute('download') &&
        // rel=external links are left to the browser on purpose (server routes).
        el.getAttribute('rel') !== 'external' &&
        !h.startsWith('/admin/export') &&
        !h.startsWith('/pki') &&
        (el as HTMLElement).offsetParent !== null
      );
    });
    if (!a) return null;
    a.setAttribute('data-smoke-target', '1');
    return a.getAttribute('href');
  });
  if (href) {
    const before = page.url();
    await page.locator('[data-smoke-target]').click({ timeout: 10_000 });
    await page.waitForFunction((b) => location.href !== b, before, { timeout: 10_000 });
    expect(await page.evaluate(() => (window as any).__smoke), `${path}: the click on ${href} was routed in the page`).toBe(1);
  }
  // Give late branches a moment to hydrate (and to panic, if they would).
  await page.waitForTimeout(150);
  await page.close();
  expect.soft(errors, `errors on ${path}`).toEqual([]);
}

test('every page of every role hydrates cleanly on a fresh load, three times', async ({ browser }) => {
  test.setTimeout(15 * 60_000);
  const admin = await signedIn(browser, 'admin@example.org');
  const pm = await signedIn(browser, 'policy@example.org');
  const anonymous = await browser.newContext();

  // A small world: a group with a published Auth policy and a draft, partners of the
  // provider types, approved, and an SBI.
  const group = await form(pm, '/api/policy_groups/create', { name: `smoke-${Date.now()}`, description: 'smoke' });
  const auth = '{"authTokenType":"partner","allowedAuthTypes":[{"authType":"otp","mandatory":false}],"allowedKycAttributes":[]}';
  const live = await form(pm, '/api/policies/create', {
    group_id: group.id, name: `smoke live ${Date.now()}`, policy_type: 'Auth', document: auth,
  });
  const until = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
  await form(pm, '/api/policies/publish', { id: live.summary.id, valid_to: until });
  const draft = await form(pm, '/api/policies/create', {
    group_id: group.id, name: `smoke draft ${Date.now()}`, policy_type: 'Auth', document: auth,
  });
  const suffix = Date.now().toString(36);
  const rp = await signedUp(browser, `smoke-rp-${suffix}`, 'Auth_Partner', group.id);
  const device = await signedUp(browser, `smoke-dev-${suffix}`, 'Device_Provider');
  const ftm = await signedUp(browser, `smoke-ftm-${suffix}`, 'FTM_Provider');
  const misp = await signedUp(browser, `smoke-misp-${suffix}`, 'MISP_Partner');
  for (const id of ['rp', 'dev', 'ftm', 'misp']) {
    await form(admin, '/api/partners/decide', { id: `smoke-${id}-${suffix}`, decision: 'approve' });
  }
  const today = new Date().toISOString().slice(0, 10);
  const sbi = await form(device, '/api/sbis/create', {
    version: `smoke-${suffix}`, binary_hash: 'ab'.repeat(32), created_on: today, expires_on: until,
  });

  // The events journey left a receiver behind; its page is walked too.
  const receivers = await form(admin, '/api/events/receivers', {});
  const receiverPages = receivers.items.slice(0, 1).map((r: { id: string }) => `/admin/events/${r.id}`);

  const roles: Role[] = [
    { name: 'anonymous', ctx: anonymous, pages: ['/login', '/signup', '/forgot-password', '/reset-password?token=not-a-token', '/login/verify', '/verify-email?token=not-a-token'] },
    {
      name: 'partner admin',
      ctx: admin,
      pages: [
        '/', '/account', '/account/two-factor', '/notifications', '/admin/inbox', '/admin/accounts', '/admin/partners',
        '/admin/partners/new', `/admin/partners/smoke-rp-${suffix}`, '/admin/audit',
        '/admin/events', ...receiverPages,
        '/admin/certificates', '/admin/devices', '/admin/policy-requests', '/admin/api-keys',
        '/admin/oidc-clients', '/admin/api-clients', '/admin/licenses', '/admin/terms', '/terms',
        '/policies', '/policies/groups', '/policies/new',
        `/policies/${live.summary.id}`, `/policies/${draft.summary.id}`,
      ],
    },
    {
      name: 'policy manager',
      ctx: pm,
      pages: ['/', '/account', '/account/two-factor', '/notifications', '/policies', '/policies/groups', '/policies/new',
        `/policies/${live.summary.id}`, `/policies/${draft.summary.id}`],
    },
    {
      name: 'relying party',
      ctx: rp,
      pages: ['/', '/account', '/account/two-factor', '/notifications', '/partner', '/partner/certificate', '/partner/policies',
        `/partner/policies/${live.summary.id}`, '/partner/policy-requests', '/partner/api-keys',
        '/partner/oidc-clients', '/terms'],
    },
    {
      name: 'device provider',
      ctx: device,
      pages: ['/', '/partner', '/partner/certificate', '/provider/sbis', `/provider/sbis/${sbi.id}`,
        '/provider/devices'],
    },
    { name: 'FTM provider', ctx: ftm, pages: ['/', '/partner/certificate', '/provider/chips'] },
    { name: 'MISP partner', ctx: misp, pages: ['/', '/partner/certificate', '/partner/license'] },
  ];
  for (const role of roles) {
    for (const path of role.pages) {
      for (let i = 0; i < LOADS; i++) {
        await test.step(`${role.name}: ${path} (load ${i + 1})`, () => openFresh(role.ctx, path));
      }
    }
  }
  for (const r of roles) await r.ctx.close();
});
