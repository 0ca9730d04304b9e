// pages.test.js - the server-rendered pages with JavaScript off, in Debian's chromium driven by
// playwright-core: a rep and an admin work through every page with plain forms (each post
// carries the session's CSRF token and comes back with a 303). The demo business in a fresh
// database, the server's clock fixed; a real SMTP server (tests/e2e/smtpd.py) takes the
// automated e-mails so that the unsubscribe link of a sent one can be followed. axe-core
// checks each page in a second, script-enabled context (the page itself has no script).
// Screenshots (desktop and phone) go to $SHOTS as pages-*.png.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BIN = process.env.FOLLOWUP_BIN;
const NOW = '2026-11-25T09:00:00Z';
const SHOTS = process.env.SHOTS || path.join(__dirname, '..', '..', 'build', 'web-shots');
const USERS = { boss: ['admin', 'boss-pass-1'], ana: ['rep', 'ana-pass-1'], ben: ['rep', 'ben-pass-1'] };

let dir, server, smtpd, smtpDir, sendEnv, base, browser, formPath;

function fu(env, ...args) {
  return execFileSync(BIN, ['--db', path.join(dir, 'web.db'), '--now', NOW, ...args.slice(0, -1)],
    { input: args[args.length - 1], stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } }).toString();
}

function waitFor(file, proc, what) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').length) return resolve(fs.readFileSync(file, 'utf8'));
      if (Date.now() - t0 > 10000) return reject(new Error(what + ' did not start'));
      setTimeout(tick, 50);
    };
    proc.on('exit', (c) => reject(new Error(`${what} exited ${c}`)));
    tick();
  });
}

before(async () => {
  assert.ok(BIN, 'set FOLLOWUP_BIN to the followup binary');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fu-pages-'));
  fs.mkdirSync(SHOTS, { recursive: true });
  fu({}, 'demo', '');
  for (const [name, [role, pw]] of Object.entries(USERS)) fu({}, 'user', 'add', name, '--role', role, pw + '\n');
  formPath = /POST (\/f\/\S+)/.exec(fu({}, 'form', 'add', 'site', '--owner', 'ana', ''))[1];
  smtpDir = path.join(dir, 'smtp');
  fs.mkdirSync(smtpDir);
  smtpd = spawn('/usr/bin/python3', [path.join(__dirname, '..', 'e2e', 'smtpd.py'), smtpDir], { stdio: 'ignore' });
  const port = (await waitFor(path.join(smtpDir, 'port'), smtpd, 'smtpd.py')).trim();
  sendEnv = { FOLLOWUP_SMTP_URL: `smtp://127.0.0.1:${port}`, FOLLOWUP_MAIL_FROM: 'hello@northwind.example',
    FOLLOWUP_SMTP_TLS: 'none', FOLLOWUP_SEND_CONFIG: '', HOME: dir };
  // the server sends a person's e-mail from a card; its sender job is off (the test sends)
  server = spawn(BIN, ['--db', path.join(dir, 'web.db'), '--now', NOW, 'serve', '--listen', '127.0.0.1:0', '--no-jobs'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...sendEnv } });
  let log = '';
  base = await new Promise((resolve, reject) => {
    server.stderr.on('data', (d) => {
      log += d;
      fs.appendFileSync(path.join(SHOTS, 'pages-serve.log'), d);
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(log);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`followup serve exited ${code}: ${log}`)));
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (smtpd) smtpd.kill('SIGTERM');
  if (server) {
    const code = new Promise((r) => server.on('exit', (c, sig) => r(sig || c)));
    server.kill('SIGTERM');
    assert.equal(await code, 0, 'followup serve stops cleanly on SIGTERM');
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const sessions = {};

// A page with JavaScript off, logged in through the login form.
async function login(name, viewport) {
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: viewport || { width: 1280, height: 900 },
    storageState: sessions[name] });
  const page = await ctx.newPage();
  await page.goto(base + '/today');
  if (!sessions[name]) {
    assert.match(page.url(), /\/login\?next=/, 'without a session, the login page');
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Password').fill(USERS[name][1]);
    await page.getByRole('button', { name: 'Log in' }).click();
    assert.match(page.url(), /\/today$/, 'the login goes on to the page asked for');
    sessions[name] = await ctx.storageState();
  }
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, 'pages-' + name + '.png') });
}

// axe-core on the page at url, in a script-enabled context with the same session.
async function axe(name, url) {
  const ctx = await browser.newContext({ bypassCSP: true, storageState: sessions[name] });
  const page = await ctx.newPage();
  await page.goto(base + url);
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  await ctx.close();
  assert.deepEqual(found, [], `axe on ${url}`);
}

const cards = (page) => page.locator('#today-cards > .card');

test('a personal e-mail edited and sent from a card: it goes once, the card goes, the touch is recorded', async () => {
  // a new lead from the web form: a person's answer is due, by e-mail
  const r = await fetch(base + formPath, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ name: 'Olga Mail', email: 'olga.mail@example.com', message: 'prices?' }), redirect: 'manual' });
  assert.ok(r.status < 400, 'the form post: ' + r.status);
  const page = await login('ana');
  const card = cards(page).filter({ hasText: 'Olga Mail' });
  const id = await card.getAttribute('data-id');
  const href = await card.locator('h2 a').getAttribute('href');
  await card.getByRole('link', { name: 'Edit and send the e-mail' }).click();
  const to = await page.locator('form[aria-label="The e-mail"] strong').first().textContent();
  assert.ok((await page.getByLabel('Text').inputValue()).length > 20, 'the draft the agenda wrote');
  await page.getByLabel('Subject').fill('Your order <and> our thanks');
  await page.getByLabel('Text').fill('Hello,\nthis one I wrote myself & edited on the page.\n');
  await page.getByLabel('How it went (if you know)').selectOption('reached');
  await shot(page, 'email');
  await axe('ana', new URL(page.url()).pathname);
  await page.getByRole('button', { name: 'Send' }).click();
  assert.equal(await page.locator('.error').count(), 0, 'sent: ' + await page.locator('main').textContent());
  await page.getByRole('status').filter({ hasText: 'The e-mail went' }).waitFor();
  assert.equal(await page.locator(`#today-cards > .card[data-id="${id}"]`).count(), 0, 'the card is gone');
  const sent = fs.readdirSync(smtpDir).filter((f) => f.endsWith('.eml'))
    .map((f) => fs.readFileSync(path.join(smtpDir, f), 'utf8')).filter((m) => m.includes('edited on the page'));
  assert.equal(sent.length, 1, 'one message went');
  assert.ok(sent[0].includes(to), 'to the contact: ' + to);
  await page.goto(base + href);
  assert.match(await page.locator('#timeline li').first().textContent(), /touch.*email.*reached/, 'the touch is on the timeline');
  // it goes at most once: the page for the same follow-up now says why not
  const again = await page.goto(`${base}/today/${id}/email`);
  assert.equal(again.status(), 409);
  await page.context().close();
});

test('a rep logs in without script, records an outcome, and the card goes', async () => {
  const page = await login('ana');
  await shot(page, 'today-desktop');
  const n = await cards(page).count();
  assert.ok(n >= 1, 'the demo gives ana follow-ups today');
  const card = cards(page).first();
  const id = await card.getAttribute('data-id');
  assert.ok(await card.locator('a[href^="tel:"]').count() + await card.locator('a[href^="mailto:"]').count() > 0,
    'a card has a tel: or mailto: link');
  assert.ok(await card.locator('.reasons li').count() > 0, 'a card gives its reasons');
  await card.getByRole('button', { name: 'Reached' }).click();
  assert.match(page.url(), /\/today\?day=2026-11-25/, 'back on Today (Post/Redirect/Get)');
  assert.equal(await page.locator(`#today-cards > .card[data-id="${id}"]`).count(), 0, 'the card is gone');
  assert.equal(await cards(page).count(), n - 1);
  await axe('ana', '/today');
  await page.context().close();
});

test('not yet with a date: the card goes, the timeline has the touch, the check-in is there that day', async () => {
  const page = await login('ana');
  const card = cards(page).first();
  const id = await card.getAttribute('data-id');
  const name = await card.locator('h2').textContent();
  const href = await card.locator('h2 a').getAttribute('href');
  await card.getByLabel('Check back on').fill('2026-12-02');
  await card.getByRole('button', { name: 'Not yet', exact: true }).click();
  assert.equal(await page.locator(`#today-cards > .card[data-id="${id}"]`).count(), 0, 'gone from today');
  await page.goto(base + href);
  assert.match(await page.locator('#timeline li').first().textContent(), /touch.*not-yet.*due 2026-12-02/,
    'the newest event is the touch with its date');
  await shot(page, 'contact-desktop');
  await axe('ana', href);
  await page.goto(base + '/today');
  await page.getByLabel('Day').fill('2026-12-02');
  await page.getByLabel('Messages').selectOption('both');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('h1', { hasText: '2026-12-02' }).waitFor();
  assert.equal(await page.locator('#today-cards > .card h2', { hasText: name }).count(), 1,
    `the check-in for ${name} is there on the 2nd of December`);
  await page.context().close();
});

test('a note on a contact shows in the timeline as text; the profile saves; another rep\'s contact is not found', async () => {
  const page = await login('ana');
  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByLabel('Search contacts').fill('a');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('#results li a').first().click();
  const url = page.url();
  const note = 'asked for <b>samples</b><img src=x id=injected> & a call';
  await page.getByLabel('Type', { exact: true }).selectOption('touch');
  await page.getByLabel('Channel').selectOption('call');
  await page.getByLabel('Note').fill(note);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Added to the timeline' }).waitFor();
  assert.equal(await page.locator('#timeline li').first().locator('.note').textContent(), ' internal note: ' + note);
  assert.equal(await page.locator('#injected').count(), 0, 'no element made from the note');
  await page.getByLabel('Show').selectOption('purchase');
  await page.getByRole('button', { name: 'Show' }).click();
  const types = await page.locator('#timeline li').evaluateAll((els) => els.map((e) => e.dataset.type));
  assert.ok(types.every((t) => t === 'purchase'), 'the filter shows one type: ' + types.join(','));
  await page.getByLabel('Company').fill('Harbour & Sons <Ltd>');
  await page.getByRole('button', { name: 'Save the profile' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved the profile' }).waitFor();
  assert.equal(await page.getByLabel('Company').inputValue(), 'Harbour & Sons <Ltd>');
  await axe('ana', '/contacts?q=a');
  // a contact of ben's, found by the admin, is not found for ana
  const admin = await login('boss');
  await admin.goto(base + '/today?owner=ben');
  const bens = await admin.locator('#today-cards > .card h2 a').first().getAttribute('href');
  await admin.context().close();
  const res = await page.goto(base + bens);
  assert.equal(res.status(), 404, 'a rep cannot open another rep\'s contact by its URL');
  const admins = await page.goto(base + '/team');
  assert.equal(admins.status(), 403, 'a rep cannot open the team page');
  assert.ok(url);
  await page.context().close();
});

test('an admin imports: a bad row shown at its line and column, nothing imported; then the good file', async () => {
  const page = await login('boss');
  await page.getByRole('link', { name: 'Import' }).click();
  await axe('boss', '/import');
  const bad = 'contact,type,time,channel,note\nW1,lead,2026-11-24T10:00:00Z,web_form,hello\nW2,bogus,2026-11-24T11:00:00Z,call,x\n';
  await page.getByLabel('File (CSV or JSON Lines)').setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.getByRole('button', { name: 'Preview' }).click();
  assert.match(await page.locator('#im-errors').textContent(), /leads\.csv:3:\d+: field 'type': unknown type 'bogus'/);
  assert.match(await page.locator('#im-summary').textContent(), /2 rows read: 1 good, 1 bad/);
  assert.equal(await page.locator('#im-preview tbody tr').count(), 1, 'the good row as it would be stored');
  assert.match(await page.locator('#im-preview tbody tr').first().textContent(), /W1.*lead.*web_form.*hello/);
  await shot(page, 'import-preview');
  // the preview filled the text in: Import all takes it, all or nothing
  await page.getByRole('button', { name: 'Import all' }).click();
  assert.match(await page.locator('#im-errors').textContent(), /Nothing was imported: pasted:3:\d+: field 'type'/);
  await page.getByLabel('Or paste the rows').fill(bad.replace('bogus', 'lead'));
  await page.getByRole('button', { name: 'Import all' }).click();
  assert.match(await page.locator('#im-done').textContent(), /Imported 2 rows: 2 stored/);
  await page.goto(base + '/contacts?q=W2');
  assert.equal(await page.locator('#results li').count(), 1, 'the imported lead is a contact now');
  await page.context().close();
});

test('an admin makes a user, a token (shown once, then revoked) and a web form on the team page', async () => {
  const page = await login('boss');
  await page.goto(base + '/team');
  const addUser = page.getByRole('form', { name: 'Add a user' });
  await addUser.getByLabel('Name').fill('cara');
  await addUser.getByLabel('Role').selectOption('rep');
  await addUser.getByLabel('Password (8 characters or more)').fill('cara-pass-1');
  await page.getByRole('button', { name: 'Add the user' }).click();
  assert.match(await page.locator('#users').textContent(), /cara\s*rep/);
  await page.getByLabel('For', { exact: true }).selectOption('cara');
  await page.getByLabel('Kind', { exact: true }).selectOption('api');
  await page.getByRole('button', { name: 'Make the token' }).click();
  const token = await page.locator('#tok').inputValue();
  assert.match(token, /^fu_[A-Za-z0-9_-]{43}$/, 'the new token, shown once');
  await shot(page, 'team-token');
  const me = await fetch(base + '/api/v1/me', { headers: { Authorization: 'Bearer ' + token } });
  assert.equal((await me.json()).user, 'cara', 'the token works');
  await page.goto(base + '/team');
  assert.equal(await page.locator('#tok').count(), 0, 'never shown again');
  const row = page.locator('#tokens tbody tr', { hasText: 'cara' });
  await row.getByRole('button', { name: /Revoke token/ }).click();
  assert.equal((await fetch(base + '/api/v1/me', { headers: { Authorization: 'Bearer ' + token } })).status, 401,
    'a revoked token is refused');
  await page.getByLabel('Kind', { exact: true }).selectOption('calendar');
  await page.getByRole('button', { name: 'Make the token' }).click();
  assert.match(await page.locator('#tok').inputValue(), /\/cal\/fu_[A-Za-z0-9_-]{43}\.ics$/, 'a calendar feed link');
  await page.goto(base + '/team');
  await page.getByRole('form', { name: 'Add a web form' }).getByLabel('Name').fill('shop');
  await page.getByLabel('Owner of its leads (empty: unowned)').fill('ana');
  await page.getByRole('button', { name: 'Add the form' }).click();
  const snippet = await page.locator('#snippet-shop').inputValue();
  assert.match(snippet, /<form method="post" action="http:\/\/127\.0\.0\.1:\d+\/f\/fu_[A-Za-z0-9_-]+">/);
  assert.match(snippet, /name="website"/, 'the snippet has the hidden honeypot');
  await shot(page, 'team');
  await axe('boss', '/team');
  await page.context().close();
});

test('the admins\' pages: report charts, lapsing, outbox, playbook check and what-if', async () => {
  const page = await login('boss');
  for (const [url, shotName] of [['/report', 'report'], ['/lapsed', 'lapsed'], ['/outbox', 'outbox']]) {
    const res = await page.goto(base + url);
    assert.equal(res.status(), 200, url);
    assert.equal(res.headers()['content-security-policy'].includes("script-src 'self'"), true, 'the strict CSP');
    await shot(page, shotName);
    await axe('boss', url);
  }
  await page.goto(base + '/report');
  assert.equal(await page.locator('svg.chart').count(), 3, 'three charts drawn by the server');
  // a week in which no lead was answered says so; it is not drawn as an answer in 0.0 hours
  const rep = await (await page.request.get(base + '/api/v1/report')).json();
  const speedTexts = await page.locator('#chart-speed rect.bar title').allTextContents();
  assert.equal(speedTexts.length, rep.weeks.length, 'a bar per week');
  rep.weeks.forEach((w, i) => {
    if (w.speed_to_lead.answered === 0) assert.match(speedTexts[i], /: none$/, `week ${w.week} has no answered lead`);
    else assert.doesNotMatch(speedTexts[i], /none/, `week ${w.week} has answered leads`);
  });
  await page.goto(base + '/playbook');
  const yaml = await page.getByLabel('The playbook (YAML)').inputValue();
  await page.getByLabel('The playbook (YAML)').fill(yaml.replace('rules:', 'rules:\n  - name: [broken'));
  await page.getByRole('button', { name: 'Check' }).click();
  assert.match(await page.locator('#pb-check').textContent(), /line \d+, column \d+/);
  await page.getByLabel('The playbook (YAML)').fill(yaml);
  await page.getByRole('button', { name: 'Check' }).click();
  assert.match(await page.locator('#pb-check').textContent(), /The playbook is good/);
  await page.getByRole('button', { name: 'What would it change?' }).click();
  assert.match(await page.locator('#whatif-summary').textContent(), /Personal follow-ups: \d+ now, \d+ with this playbook/);
  await shot(page, 'playbook-whatif');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  await axe('boss', '/playbook');
  await page.context().close();
});

test('phone width: one column, nothing wider than the screen, large touch targets', async () => {
  const page = await login('ben', { width: 390, height: 844 });
  const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
    .map((e) => `${e.tagName}.${e.className}#${e.id}: ${Math.round(e.getBoundingClientRect().right)}px`));
  assert.deepEqual(wide, [], 'nothing wider than the phone');
  const small = await page.evaluate(() => [...document.querySelectorAll('.card button, .card a.button')]
    .filter((b) => b.getBoundingClientRect().height < 44).map((b) => b.textContent));
  assert.deepEqual(small, [], 'touch targets at least 44 px high');
  await shot(page, 'today-phone');
  await page.context().close();
});

test('the unsubscribe link of a sent e-mail: a page to confirm, then the contact is opted out', async () => {
  fu({ ...sendEnv, FOLLOWUP_APP_URL: base + '/' }, 'send', '');
  const eml = fs.readdirSync(smtpDir).filter((f) => f.endsWith('.eml'))
    .map((f) => fs.readFileSync(path.join(smtpDir, f), 'utf8')).find((m) => /List-Unsubscribe: </.test(m));
  assert.ok(eml, 'an automated e-mail went with its unsubscribe link');
  const url = /List-Unsubscribe: <([^>]+)>/.exec(eml)[1];
  const to = /^To: .*<([^>]+)>/m.exec(eml)[1];
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const page = await ctx.newPage();
  await page.goto(url);
  await page.getByRole('heading', { name: 'Unsubscribe' }).waitFor();
  await shot(page, 'unsubscribe');
  await page.getByRole('button', { name: 'Unsubscribe' }).click();
  await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
  await ctx.close();
  const admin = await login('boss');
  await admin.goto(base + '/contacts?q=' + encodeURIComponent(to));
  await admin.locator('#results li a').first().click();
  assert.match(await admin.locator('#timeline li').first().textContent(), /opt_out/, 'the opt-out is on the timeline');
  await admin.context().close();
});

// ---- the same pages with script: pages.js adds one click, undo, live news, the check as you type

async function withScript(name) {
  await (await login(name)).context().close(); // a session through the page's form
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, storageState: sessions[name] });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message));
  await page.goto(base + '/today');
  return page;
}

const recorded = async (page, key) => (await page.evaluate(async (k) =>
  (await (await fetch('/api/v1/contacts/' + encodeURIComponent(k))).json()).events.length, key));

test('with script: an outcome in one click, Undo puts the card back and records nothing', async () => {
  const page = await withScript('ben');
  const n = await cards(page).count();
  const card = cards(page).first();
  const id = await card.getAttribute('data-id');
  const key = decodeURIComponent((await card.locator('h2 a').getAttribute('href')).split('/').pop());
  const before = await recorded(page, key);
  await card.getByRole('button', { name: 'Voicemail' }).click();
  assert.equal(await page.locator('#today-cards > .card:not([hidden])').count(), n - 1, 'the card goes at once');
  await page.locator('#toast').getByRole('button', { name: 'Undo' }).click();
  assert.equal(await page.locator('#today-cards > .card:not([hidden])').count(), n, 'Undo puts it back');
  await page.waitForTimeout(5500);
  assert.equal(await recorded(page, key), before, 'nothing recorded after an undo');
  await card.getByRole('button', { name: 'Voicemail' }).click();
  await shot(page, 'today-undo');
  await page.waitForFunction((i) => !document.querySelector(`#today-cards > .card[data-id="${i}"]`), id, { timeout: 10000 });
  assert.equal(await recorded(page, key), before + 1, 'recorded when the undo time is over');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('with script: a web-form enquiry appears on the open Today page, marked new, without a reload', async () => {
  const page = await withScript('ana');
  await page.waitForTimeout(300); // the stream is open
  const r = await fetch(base + formPath, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ name: 'Nora <Live>', email: 'nora.live@example.com', message: 'a quote, please' }), redirect: 'manual' });
  assert.ok(r.status < 400, 'the form post: ' + r.status);
  const fresh = page.locator('#today-cards > .card.new', { hasText: 'Nora <Live>' });
  await fresh.waitFor({ timeout: 5000 });
  assert.equal(await fresh.locator('.badge.new').count(), 1, 'marked New');
  await shot(page, 'today-live');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('with script: the playbook is checked as you type', async () => {
  const page = await withScript('boss');
  await page.goto(base + '/playbook');
  const yaml = await page.getByLabel('The playbook (YAML)').inputValue();
  await page.getByLabel('The playbook (YAML)').fill(yaml.replace('rules:', 'rules:\n  - name: [broken'));
  await page.locator('#pb-check.error', { hasText: /line \d+, column \d+/ }).waitFor();
  await page.getByLabel('The playbook (YAML)').fill(yaml);
  await page.locator('#pb-check.ok', { hasText: 'The playbook is good' }).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('with script: keys: j moves to a card, r records reached, z undoes', async () => {
  const page = await withScript('boss');
  await page.goto(base + '/today?show=personal');
  const n = await page.locator('#today-cards > .card:not([hidden])').count();
  assert.ok(n > 1, 'the admin sees several follow-ups');
  await page.keyboard.press('j');
  const first = await page.evaluate(() => document.activeElement.closest('.card').dataset.id);
  await page.keyboard.press('r');
  assert.equal(await page.locator(`#today-cards > .card[data-id="${first}"]`).isHidden(), true, 'r takes the card away');
  await page.keyboard.press('z');
  assert.equal(await page.locator(`#today-cards > .card[data-id="${first}"]`).isVisible(), true, 'z puts it back');
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'q', '/ goes to the search');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
