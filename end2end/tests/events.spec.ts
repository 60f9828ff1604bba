import { test, expect, Page } from './fixtures/test';
import * as http from 'http';
import { AddressInfo } from 'net';
import { Portal } from './fixtures/portal';

// The portal runs with PMS_WEBSUB_ALLOW_HOSTS=127.0.0.1 and PMS_EVENT_RETRY_SECS=6
// (start-server.sh), so a receiver on this machine may subscribe and a failing event becomes a
// dead letter within seconds instead of three days.

function unique(prefix: string) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

/** A WebSub subscriber: confirms intent, records deliveries, answers `status` to them. */
class Receiver {
  status = 200;
  got: { eventId: string; body: any }[] = [];
  private server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(url.searchParams.get('hub.challenge') ?? '');
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (this.status < 300) {
        this.got.push({ eventId: String(req.headers['x-event-id'] ?? ''), body: JSON.parse(body) });
      }
      res.writeHead(this.status);
      res.end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/cb`;
  }

  stop() {
    this.server.close();
  }

  partners(): string[] {
    return this.got.map((g) => g.body?.event?.data?.partnerId ?? g.body?.event?.data?.id);
  }
}

/** Refresh the receiver's page until `check` passes (the engine works in the background). */
async function refreshUntil(page: Page, check: () => Promise<void>) {
  await expect(async () => {
    await page.getByTestId('receiver-refresh').click();
    await check();
  }).toPass({ timeout: 30_000, intervals: [500, 1000] });
}

test('an operator watches a subscriber receive events, fail, get a dead letter, and has it delivered again', async ({ page, request }) => {
  test.setTimeout(120_000);
  const portal = new Portal(page);
  const receiver = new Receiver();
  const callback = await receiver.start();
  try {
    // The admin issues a service token allowed to subscribe to partner changes.
    await portal.login('admin@example.org');
    await expect(page.getByTestId('user-email')).toHaveText('admin@example.org');
    const token = await portal.issueServiceToken(unique('partner-sync-'), 'PARTNER_UPDATED');

    // The downstream service subscribes; the hub checks the callback and answers 202.
    const subscribe = await request.post('/websub/hub', {
      headers: { Authorization: `Bearer ${token}` },
      form: { 'hub.mode': 'subscribe', 'hub.topic': 'PARTNER_UPDATED', 'hub.callback': callback, 'hub.secret': 'receiver-secret' },
    });
    expect(subscribe.status()).toBe(202);

    // The operator finds it on the events page, confirmed by the callback.
    await portal.nav().getByRole('link', { name: 'Events' }).click();
    await portal.hydrated();
    await page.getByTestId('filter-kind').selectOption('websub');
    await page.getByTestId('filter-apply').click();
    await expect(page).toHaveURL(/kind=websub/);
    const row = page.getByTestId('receiver-row').filter({ hasText: callback.replace('http://', '').split(':')[0] }).first();
    await expect(async () => {
      await page.getByTestId('events-refresh').click();
      await expect(row.getByTestId('receiver-state')).toHaveText('Active');
    }).toPass({ timeout: 20_000, intervals: [300, 1000] });
    await row.getByTestId('receiver-link').click();
    await expect(page).toHaveURL(/\/admin\/events\/[0-9a-f-]{36}$/);
    await portal.hydrated();
    await expect(page.getByTestId('receiver-facts')).toContainText(callback);
    await expect(page.getByTestId('receiver-facts')).toContainText('HMAC-SHA256');

    // A partner registers: the event arrives, and the delivery is logged.
    const signUp = (id: string) => request.post('/api/partners/sign_up', {
      form: {
        email: `${id}@example.org`, password: 'correct horse battery', confirm_password: 'correct horse battery',
        partner_id: id, organisation: `${id} Ltd`, partner_type: 'Device_Provider', phone: '+91 80 1234',
        address: '1 Main St', language: 'eng',
      },
    });
    const first = unique('evtok');
    expect((await signUp(first)).status()).toBe(200);
    await expect.poll(() => receiver.partners(), { timeout: 20_000 }).toContain(first);
    await refreshUntil(page, async () => {
      await expect(page.getByTestId('delivery-row').first()).toHaveAttribute('data-ok', 'true');
      await expect(page.getByTestId('receiver-delivered')).not.toHaveText('0');
    });

    // The receiver goes down: the next event fails, is retried, then becomes a dead letter.
    receiver.status = 503;
    const second = unique('evtfail');
    expect((await signUp(second)).status()).toBe(200);
    await refreshUntil(page, async () => {
      await expect(page.getByTestId('receiver-state')).toHaveText('Active, retrying');
      await expect(page.getByTestId('receiver-retrying')).toContainText('next try');
      await expect(page.getByTestId('delivery-row').first()).toHaveAttribute('data-ok', 'false');
      await expect(page.getByTestId('delivery-row').first()).toContainText('503');
    });
    await refreshUntil(page, async () => {
      await expect(page.getByTestId('dead-letter-row')).toHaveCount(1);
    });
    expect(receiver.partners()).not.toContain(second);

    // Back up; the operator delivers the dead letter again and the receiver gets it.
    receiver.status = 200;
    await page.getByTestId('dead-letter-redeliver').click();
    await expect(page.getByTestId('redeliver-done')).toBeVisible();
    await expect.poll(() => receiver.partners(), { timeout: 20_000 }).toContain(second);
    await refreshUntil(page, async () => {
      await expect(page.getByTestId('dead-letter-row')).toContainText('Delivered again');
    });

    // The remedies are audited under the operator's name.
    await page.goto('/admin/audit?type=event_subscription');
    await portal.hydrated();
    await expect(page.getByTestId('audit-table')).toContainText('EVENT_DEAD_LETTER_REQUEUED');
    await expect(page.getByTestId('audit-table')).toContainText('admin@example.org');
  } finally {
    receiver.stop();
  }
});
