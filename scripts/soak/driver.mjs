// Simulated users for scripts/soak.sh: every role's journeys against two portal instances on
// one database, each request sent to either instance at random (a session made on one is used
// on the other). Node's own fetch; no packages.
//
//   MODE=setup   the world the users need (trust stores, a group with a published policy,
//                device providers whose certificates end in 10 days), then exit.
//   MODE=run     USERS simulated users for DURATION seconds; writes per-call figures to OUT
//                and every acknowledged write to ACKS (one JSON line each); exits 1 on errors.
//
// An instance that does not answer (killed by soak.sh) is a failover to the other one, not an
// error; a 5xx, a network error on both, or a status the journey does not expect is.
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';

const BASES = [process.env.SOAK_A, process.env.SOAK_B];
const MODE = process.env.MODE ?? 'run';
const USERS = Number(process.env.USERS ?? 200);
const DURATION = Number(process.env.DURATION ?? 300) * 1000;
const CERTS = process.env.CERTS;
const ACKS = process.env.ACKS;
const OUT = process.env.OUT;
const PASSWORD = 'correct horse battery';

const stats = new Map(); // call -> { n, errors, ms: [] }
const problems = [];
let failovers = 0;

function record(call, ms, ok) {
  let s = stats.get(call);
  if (!s) stats.set(call, (s = { n: 0, errors: 0, ms: [] }));
  s.n += 1;
  s.ms.push(ms);
  if (!ok) s.errors += 1;
}

function ack(kind, id, extra = {}) {
  if (ACKS) appendFileSync(ACKS, JSON.stringify({ kind, id, ...extra }) + '\n');
}

function form(data) {
  return new URLSearchParams(data).toString();
}

/** POST a server function on a random instance (the other one if it does not answer). */
async function call(session, path, data, expect = [200]) {
  const first = Math.random() < 0.5 ? 0 : 1;
  const body = typeof data === 'string' ? data : form(data ?? {});
  for (const i of [first, 1 - first]) {
    const started = performance.now();
    let res;
    try {
      res = await fetch(BASES[i] + path, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'sec-fetch-site': 'same-origin',
          ...(session.cookie ? { cookie: session.cookie } : {}),
        },
        body,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      if (i === first) {
        failovers += 1;
        continue;
      }
      record(path, performance.now() - started, false);
      problems.push(`${path}: no instance answered (${e.cause?.code ?? e.message})`);
      return null;
    }
    const text = await res.text();
    const ms = performance.now() - started;
    const cookie = res.headers.get('set-cookie');
    if (cookie) session.cookie = cookie.split(';')[0];
    // 'pending': a partner not yet approved is refused (403) what needs approval; expected.
    const pending = expect.includes('pending') && res.status === 403 && text.includes('PMS_PARTNER_NOT_APPROVED');
    const ok = expect.includes(res.status) || pending;
    record(path, ms, ok);
    if (!ok && problems.length < 50) problems.push(`${path} → ${res.status}: ${text.slice(0, 300)}`);
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, json };
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const think = () => sleep(400 + Math.random() * 1200);
const day = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];

async function signIn(email) {
  const s = {};
  const r = await call(s, '/api/login', { email, password: PASSWORD });
  if (!r || r.status !== 200) throw new Error(`sign-in of ${email} failed`);
  return s;
}

async function signUp(id, type, group) {
  const s = {};
  const data = {
    email: `${id}@soak.example.org`, password: PASSWORD, confirm_password: PASSWORD,
    partner_id: id, organisation: `${id} Ltd`, partner_type: type,
    phone: '+33 1 23 45 67 89', address: '1 Soak Street', language: 'eng',
  };
  if (group) data.policy_group_id = group;
  const r = await call(s, '/api/partners/sign_up', data);
  if (r?.status === 200) ack('partner', id);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Set-up: run once against one instance before the two start.
// ---------------------------------------------------------------------------------------------

async function setup() {
  const certs = JSON.parse(readFileSync(CERTS, 'utf8'));
  const admin = await signIn('admin@soak.example.org');
  const pm = await signIn('policy@soak.example.org');
  for (const domain of ['AUTH', 'DEVICE']) {
    const r = await call(admin, '/api/certificates/ca/upload', { domain, content: certs.root });
    if (r?.status !== 200) throw new Error(`root upload to ${domain}: ${JSON.stringify(r?.json)}`);
  }
  const group = await call(pm, '/api/policy_groups/create', { name: 'soak-banks', description: 'Soak' });
  const doc = '{"authTokenType":"partner","allowedAuthTypes":[{"authType":"otp","mandatory":false}],"allowedKycAttributes":[{"attributeName":"fullName"}]}';
  const policy = await call(pm, '/api/policies/create', {
    group_id: group.json.id, name: 'soak-kyc', policy_type: 'Auth', document: doc,
  });
  await call(pm, '/api/policies/publish', { id: policy.json.summary.id, valid_to: day(300) });
  // Device providers whose certificates end in 10 days: the daily check owes each a warning.
  for (const [id, pem] of Object.entries(certs.expiring)) {
    const p = await signUp(id, 'Device_Provider');
    await call(admin, '/api/partners/decide', { id, decision: 'approve' });
    const up = await call(p, '/api/certificates/mine/upload', { content: pem });
    if (up?.status !== 200) throw new Error(`certificate of ${id}: ${JSON.stringify(up?.json)}`);
  }
  writeFileSync(OUT, JSON.stringify({ group: group.json.id, policy: policy.json.summary.id }));
  if (problems.length) throw new Error(problems.join('\n'));
}

// ---------------------------------------------------------------------------------------------
// Journeys
// ---------------------------------------------------------------------------------------------

async function adminUser(n, until) {
  const s = await signIn('admin@soak.example.org');
  while (Date.now() < until) {
    const step = pick(['partners', 'inbox', 'decide', 'sbis', 'requests', 'dashboard', 'audit']);
    if (step === 'partners') {
      await call(s, '/api/partners', { 'query[q]': pick(['soak', 'dp', 'rp', '']), 'query[page]': '1' });
    } else if (step === 'inbox') {
      await call(s, '/api/inbox/list', {});
    } else if (step === 'decide') {
      const list = await call(s, '/api/partners', { 'query[status]': 'PENDING' });
      const p = list?.json?.page?.items?.[0] ?? list?.json?.items?.[0];
      // Another admin may decide it first: "changed meanwhile" (409) is the promised answer.
      if (p) await call(s, '/api/partners/decide', { id: p.id, decision: 'approve' }, [200, 409]);
    } else if (step === 'sbis') {
      const list = await call(s, '/api/sbis', { 'query[status]': 'PENDING_APPROVAL' });
      const item = list?.json?.items?.[0];
      if (item) await call(s, '/api/sbis/decide', { id: item.id, decision: 'approve' }, [200, 409]);
    } else if (step === 'requests') {
      const list = await call(s, '/api/policy-requests/all', { 'query[status]': 'PENDING' });
      const item = list?.json?.items?.[0];
      if (item) await call(s, '/api/policy-requests/decide', { id: item.id, approve: 'true' }, [200, 409]);
    } else if (step === 'dashboard') {
      await call(s, '/api/dashboard/admin', {});
    } else {
      await call(s, '/api/audit', {});
    }
    await think();
  }
}

async function policyManager(n, until, world) {
  const s = await signIn('policy@soak.example.org');
  let k = 0;
  while (Date.now() < until) {
    const step = pick(['list', 'group', 'draft', 'dashboard']);
    if (step === 'list') {
      await call(s, '/api/policies', { 'query[q]': pick(['soak', 'kyc', '']) });
    } else if (step === 'group') {
      const name = `soak-g-${n}-${k++}`;
      const r = await call(s, '/api/policy_groups/create', { name, description: 'Soak' });
      if (r?.status === 200) ack('policy_group', r.json.id);
    } else if (step === 'draft') {
      const r = await call(s, '/api/policies/create', {
        group_id: world.group, name: `soak-d-${n}-${k++}`, policy_type: 'DataShare',
        document: '{"dataSharePolicies":{"typeOfShare":"Data Share","transactionsAllowed":"2","shareDomain":"datashare.example.org","encryptionType":"Partner Based","source":"Print","validForInMinutes":"30"},"shareableAttributes":[{"attributeName":"fullName","source":[{"attribute":"fullName"}],"encrypted":false}]}',
      }, [200, 422]);
      if (r?.status === 200) ack('policy', r.json.summary.id);
    } else {
      await call(s, '/api/dashboard/policy', {});
    }
    await think();
  }
}

async function deviceProvider(n, until) {
  const id = `soak-dp-${n}`;
  const s = await signUp(id, 'Device_Provider');
  let k = 0;
  while (Date.now() < until) {
    const step = pick(['me', 'sbis', 'add', 'devices', 'bell', 'profile']);
    if (step === 'me') {
      await call(s, '/api/partners/me', {});
    } else if (step === 'sbis') {
      await call(s, '/api/sbis/mine', {}, [200, 'pending']);
    } else if (step === 'add') {
      // Refused (403, not approved) until an admin approves the provider.
      const r = await call(s, '/api/sbis/create', {
        version: `${n}.${k++}`, binary_hash: 'a'.repeat(64), created_on: day(-1), expires_on: day(300),
      }, [200, 'pending']);
      if (r?.status === 200) ack('sbi', r.json.id);
    } else if (step === 'devices') {
      await call(s, '/api/devices/mine', {}, [200, 'pending']);
    } else if (step === 'bell') {
      await call(s, '/api/notifications/bell', {});
    } else {
      const phone = `+33 1 23 45 ${String(n).padStart(2, '0').slice(-2)} ${String(k++ % 100).padStart(2, '0')}`;
      const r = await call(s, '/api/partners/me/update', {
        email: `${id}@soak.example.org`, phone, address: '1 Soak Street', language: 'eng',
      });
      if (r?.status === 200) ack('partner_phone', id, { phone });
    }
    await think();
  }
}

async function relyingParty(n, until, world, pem) {
  const id = `soak-rp-${n}`;
  const s = await signUp(id, 'Auth_Partner', world.group);
  let uploaded = false;
  let requested = false;
  while (Date.now() < until) {
    const step = pick(['me', 'policies', 'certificate', 'request', 'keys']);
    if (step === 'me') {
      await call(s, '/api/partners/me', {});
    } else if (step === 'policies') {
      await call(s, '/api/policies/mine', {});
    } else if (step === 'certificate') {
      if (!uploaded) {
        // A pending partner may be refused (403, not approved).
        const r = await call(s, '/api/certificates/mine/upload', { content: pem }, [200, 'pending']);
        if (r?.status === 200) {
          uploaded = true;
          ack('certificate', id);
        }
      } else {
        await call(s, '/api/certificates/mine', {}, [200, 'pending']);
      }
    } else if (step === 'request') {
      if (uploaded && !requested) {
        const r = await call(s, '/api/policy-requests/create', {
          'input[policy_id]': world.policy, 'input[use_case]': 'Soak: customer onboarding',
        }, [200, 409, 'pending']);
        if (r?.status === 200) {
          requested = true;
          ack('policy_request', r.json.id);
        }
      } else {
        await call(s, '/api/policy-requests/mine', {}, [200, 'pending']);
      }
    } else {
      await call(s, '/api/apikeys/mine', {}, [200, 'pending']);
    }
    await think();
  }
}

async function run() {
  const world = JSON.parse(readFileSync(OUT + '.world', 'utf8'));
  const certs = JSON.parse(readFileSync(CERTS, 'utf8'));
  // A session made on one instance works on the other.
  for (const [made, used] of [[0, 1], [1, 0]]) {
    const res = await fetch(BASES[made] + '/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: form({ email: 'admin@soak.example.org', password: PASSWORD }),
    });
    const cookie = res.headers.get('set-cookie')?.split(';')[0];
    const me = await fetch(BASES[used] + '/api/me', {
      method: 'POST',
      headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    }).then((r) => r.json());
    if (me?.email !== 'admin@soak.example.org') problems.push(`session of instance ${made} unknown to ${used}`);
  }
  const started = Date.now();
  const until = started + DURATION;
  const users = [];
  const admins = Math.max(1, Math.round(USERS * 0.05));
  const managers = Math.max(1, Math.round(USERS * 0.05));
  for (let n = 0; n < USERS; n++) {
    // Start them over the first 20 s, as people arrive.
    const user = (async () => {
      await sleep((n / USERS) * 20_000);
      if (n < admins) return adminUser(n, until);
      if (n < admins + managers) return policyManager(n, until, world);
      if (n % 2 === 0) return deviceProvider(n, until);
      return relyingParty(n, until, world, certs.rp[`soak-rp-${n}`]);
    })().catch((e) => problems.push(`user ${n}: ${e.message}`));
    users.push(user);
  }
  await Promise.all(users);
  const seconds = (Date.now() - started) / 1000;
  const rows = [...stats.entries()].sort((a, b) => b[1].n - a[1].n).map(([path, s]) => {
    const ms = s.ms.sort((x, y) => x - y);
    const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
    return { path, n: s.n, errors: s.errors, p50: q(0.5), p99: q(0.99) };
  });
  const total = rows.reduce((a, r) => a + r.n, 0);
  const errors = rows.reduce((a, r) => a + r.errors, 0);
  const summary = { users: USERS, seconds, requests: total, rps: total / seconds, errors, failovers, rows, problems };
  writeFileSync(OUT, JSON.stringify(summary, null, 1));
  console.log(`${total} requests in ${seconds.toFixed(0)} s (${(total / seconds).toFixed(0)}/s), ${errors} errors, ${failovers} failovers`);
  console.log('| call | requests | errors | p50 ms | p99 ms |\n|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.path} | ${r.n} | ${r.errors} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`);
  if (problems.length) console.log('problems:\n' + problems.slice(0, 30).join('\n'));
  process.exit(errors === 0 && problems.length === 0 ? 0 : 1);
}

if (MODE === 'setup') {
  setup().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
} else {
  run();
}
