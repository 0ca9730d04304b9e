/* followup's web app: the day's follow-ups, one-click outcomes with undo, contacts, search.
 * Plain JavaScript. Every value from the server goes into the page as text (textContent,
 * attributes set one by one), never as HTML. Every change sends the session's CSRF token. */
'use strict';

const UNDO_MS = 5000;
const OUTCOMES = [
  ['reached', 'Reached'], ['voicemail', 'Voicemail'], ['no-answer', 'No answer'],
  ['won', 'Won'], ['no', 'No'], ['opted-out', 'Opted out'],
];
const EVENT_TYPES = ['touch', 'reply', 'info_request', 'appointment', 'service', 'purchase',
  'invoice', 'payment', 'lead', 'email_click', 'opt_out'];
const CHANNELS = ['call', 'email', 'sms', 'meeting', 'letter', 'web_form'];

const state = {
  me: null,          /* {user, role, csrf_token} */
  now: null,         /* the server's clock: {now, today} */
  pending: [],       /* outcomes waiting out their undo time */
  today: { day: null, owner: '', automated: 'false', queue: false },
  owners: [],
  routing: false,    /* route() is recording what waits, before it draws the page */
};

/* ---- DOM helpers: elements from tags, attributes and text; never HTML ---- */

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

const $ = (sel) => document.querySelector(sel);
const main = () => $('#main');

function show(...nodes) {
  main().replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined));
}

/* ---- the API ---- */

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function api(method, path, body, opts) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.me && state.me.csrf_token) headers['X-CSRF-Token'] = state.me.csrf_token;
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
    keepalive: !!(opts && opts.keepalive),
  });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    if (res.status === 401 && !(opts && opts.login)) {
      state.me = null;
      renderLogin('Your session has ended; log in again.');
    }
    throw new ApiError(res.status, (data && (data.detail || data.title)) || res.statusText);
  }
  return data;
}

/* ---- dates (the server's clock; all dates as YYYY-MM-DD in UTC) ---- */

function addDays(day, n) {
  const d = new Date(day + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function fmtTime(iso) {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/:00Z$/, ' UTC').replace(/Z$/, ' UTC');
}

/* the wall-clock time of an instant in the customer's zone, e.g. "09:00 their time" */
function theirTime(iso, tz) {
  if (!iso || !tz) return '';
  try {
    const t = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(new Date(iso));
    return ` (${t} their time)`;
  } catch (e) {
    return '';
  }
}

function money(v) {
  return v === null || v === undefined ? '' :
    '$' + Number(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/* ---- toast: the undo bar and errors ---- */

let toastTimer = null;

function toast(text, action, cls) {
  const t = $('#toast');
  clearTimeout(toastTimer);
  t.className = 'toast' + (cls ? ' ' + cls : '');
  t.replaceChildren(h('span', { text }));
  if (action) t.append(h('button', { type: 'button', onclick: action.fn, text: action.label }));
  t.hidden = false;
  toastTimer = setTimeout(() => { t.hidden = true; }, action ? UNDO_MS : 6000);
}

function hideToast() {
  clearTimeout(toastTimer);
  $('#toast').hidden = true;
}

/* ---- outcomes: recorded after the undo time, or at once when the page changes ---- */

function recordOutcome(fu, outcome, next, card, label) {
  const item = { fu, outcome, next, card, parent: card.parentNode, after: card.nextSibling, timer: null };
  card.remove();
  state.pending.push(item);
  item.timer = setTimeout(() => commit(item), UNDO_MS);
  toast(`${label}: ${fu.name || fu.contact}.`, { label: 'Undo', fn: () => undo(item) });
  updateCount();
  focusCard(item.after && item.after.isConnected ? item.after : null);
}

function undo(item) {
  const i = state.pending.indexOf(item);
  if (i < 0) return;
  state.pending.splice(i, 1);
  clearTimeout(item.timer);
  if (item.after && item.after.isConnected) item.parent.insertBefore(item.card, item.after);
  else item.parent.append(item.card);
  hideToast();
  item.card.focus();
  updateCount();
}

async function commit(item, keepalive) {
  const i = state.pending.indexOf(item);
  if (i < 0) return;
  state.pending.splice(i, 1);
  clearTimeout(item.timer);
  /* a snooze puts it off until a date; any other outcome is done, "not yet" with its date */
  const snooze = item.outcome === 'snoozed';
  const body = snooze ? { until: item.next } : { outcome: item.outcome };
  if (!snooze && item.next) body.next = item.next;
  try {
    await api('POST', `/api/v1/followups/${encodeURIComponent(item.fu.id)}/${snooze ? 'snooze' : 'done'}`, body, { keepalive });
    contactCache.delete(item.fu.contact);
    if (live.stale && !state.pending.length) liveCheck().catch(() => {});
    /* on the contact's own page, show the touch and the follow-up that comes next */
    if (!keepalive && !state.routing && location.hash === '#/contact/' + encodeURIComponent(item.fu.contact)) await renderContact(item.fu.contact);
  } catch (e) {
    if (item.parent.isConnected) {
      item.parent.prepend(item.card);
      updateCount();
    }
    toast(`Not recorded for ${item.fu.name || item.fu.contact}: ${e.message}`, null, 'error');
  }
}

function flushPending(keepalive) {
  return Promise.all(state.pending.slice().map((it) => commit(it, keepalive)));
}

function lastPending() {
  return state.pending[state.pending.length - 1];
}

/* ---- a follow-up card ---- */

function reachLinks(fu) {
  const links = [];
  if (fu.phone) links.push(h('a', { class: 'button', href: 'tel:' + fu.phone.replace(/[^+\d]/g, '') }, 'Call ', fu.phone));
  if (fu.email) links.push(h('a', { class: 'button', href: 'mailto:' + fu.email }, 'Write to ', fu.email));
  return links;
}

function eventLine(e) {
  const bits = [fmtTime(e.time), e.type];
  if (e.channel) bits.push(e.channel);
  if (e.outcome) bits.push(e.outcome);
  if (e.amount !== null && e.amount !== undefined) bits.push(money(e.amount));
  if (e.ref) bits.push(e.ref);
  return `#${e.id} ${bits.join(' · ')}${e.note ? ': ' + e.note : ''}`;
}

const contactCache = new Map();

async function loadContact(key, fresh) {
  if (!fresh && contactCache.has(key)) return contactCache.get(key);
  const c = await api('GET', '/api/v1/contacts/' + encodeURIComponent(key));
  contactCache.set(key, c);
  return c;
}

function reasonItem(fu, r) {
  const list = h('ul', { class: 'evlist', hidden: true });
  const btn = h('button', {
    type: 'button', class: 'link', 'aria-expanded': 'false',
    text: r.events.length === 1 ? 'the event' : `the ${r.events.length} events`,
  });
  btn.addEventListener('click', async () => {
    const open = btn.getAttribute('aria-expanded') === 'true';
    btn.setAttribute('aria-expanded', String(!open));
    list.hidden = open;
    if (open || list.childElementCount) return;
    try {
      const c = await loadContact(fu.contact);
      const byId = new Map(c.events.map((e) => [e.id, e]));
      for (const id of r.events) {
        const e = byId.get(id);
        list.append(h('li', { text: e ? eventLine(e) : `#${id}` }));
      }
    } catch (e) {
      list.append(h('li', { class: 'error', text: e.message }));
    }
  });
  return h('li', {}, h('strong', { text: r.trigger.replace(/_/g, ' ') }), ': ', r.why,
    h('span', { class: 'muted', text: ` · ${r.channel.replace(/_/g, ' ')}` }),
    r.events.length ? [' (', btn, ')'] : null, list);
}

/* What the customer wrote (a lead's or a reply's message) behind the reasons, quoted as written. */
const CUSTOMER_WORDS = new Set(['lead', 'reply', 'info_request']);

async function quoteCustomer(fu, into) {
  const ids = new Set(fu.reasons.flatMap((r) => r.events));
  if (!fu.reasons.some((r) => /lead|reply|info/.test(r.trigger))) return;
  try {
    const c = await loadContact(fu.contact);
    for (const e of c.events) {
      if (!ids.has(e.id) || !CUSTOMER_WORDS.has(e.type) || !e.note) continue;
      into.append(h('figure', { class: 'quote' },
        h('blockquote', { text: e.note }),
        h('figcaption', { class: 'muted', text: `${fu.name || fu.contact} wrote (${e.type.replace(/_/g, ' ')}, ${fmtTime(e.time)})` })));
    }
  } catch (e) { /* the card stands without the quote */ }
}

function card(fu, onDone) {
  const cls = ['card'];
  if (fu.overdue) cls.push('overdue');
  if (fu.escalated) cls.push('escalated');
  const headId = 'h-' + fu.id;
  const c = h('li', { class: cls.join(' '), tabindex: '-1', 'aria-labelledby': headId, 'data-id': fu.id });
  c.fu = fu;
  const head = h('div', { class: 'card-head' },
    h('h2', { id: headId }, h('a', { href: '#/contact/' + encodeURIComponent(fu.contact), text: fu.name || fu.contact })),
    fu.escalated ? h('span', { class: 'badge escalated', text: 'Escalated' }) : null,
    fu.overdue ? h('span', { class: 'badge overdue', text: 'Overdue' }) : null,
    fu.automated ? h('span', { class: 'badge auto', text: 'Automated' }) : null,
    h('span', { class: 'muted' }, `due ${fmtTime(fu.due)}${theirTime(fu.due, fu.tz)} · ${fu.channel.replace(/_/g, ' ')}`,
      fu.owner ? ` · ${fu.owner}` : ' · unowned'));
  const reasons = h('ul', { class: 'reasons', 'aria-label': 'Why' }, fu.reasons.map((r) => reasonItem(fu, r)));
  /* what to say, per distinct text: an automated one goes out by itself */
  const says = [];
  for (const r of fu.reasons) {
    if (r.say && !says.some((x) => x.say === r.say)) says.push(r);
  }
  const say = h('div', {}, says.map((r) => [
    h('h3', { text: r.channel.startsWith('auto_') ? `Goes out by itself (${r.channel.replace(/_/g, ' ')})` : `What to say (${r.channel.replace(/_/g, ' ')})` }),
    h('p', { class: 'say', text: r.say })]));

  const done = (outcome, next, label) => onDone(fu, outcome, next, c, label);
  const buttons = OUTCOMES.map(([o, label]) =>
    h('button', { type: 'button', 'data-outcome': o, onclick: () => done(o, null, label), text: label }));

  const base = state.now ? state.now.today : new Date().toISOString().slice(0, 10);
  const nyId = 'ny-' + fu.id;
  const notYet = h('fieldset', {},
    h('legend', { text: 'Not yet: check back on' }),
    h('label', { for: nyId, class: 'sr', text: 'Check back on' }),
    h('input', { id: nyId, type: 'date', value: addDays(base, 7), min: base }),
    h('button', { type: 'button', 'data-outcome': 'not-yet', text: 'Not yet',
      onclick: () => { const v = $('#' + CSS.escape(nyId)).value; if (v) done('not-yet', v, 'Not yet, check back ' + v); } }));
  const snId = 'sn-' + fu.id;
  const snooze = h('fieldset', {},
    h('legend', { text: 'Snooze until' }),
    h('button', { type: 'button', text: 'Tomorrow', onclick: () => done('snoozed', addDays(base, 1), 'Snoozed to tomorrow') }),
    h('button', { type: 'button', text: 'Next week', onclick: () => done('snoozed', addDays(base, 7), 'Snoozed a week') }),
    h('button', { type: 'button', text: 'In a month', onclick: () => done('snoozed', addDays(base, 30), 'Snoozed a month') }),
    h('label', { for: snId, class: 'sr', text: 'Snooze until the date' }),
    h('input', { id: snId, type: 'date', value: addDays(base, 3), min: base }),
    h('button', { type: 'button', 'data-outcome': 'snoozed', text: 'Snooze',
      onclick: () => { const v = $('#' + CSS.escape(snId)).value; if (v) done('snoozed', v, 'Snoozed to ' + v); } }));
  const words = h('div', { class: 'words' });
  quoteCustomer(fu, words);
  /* a person's e-mail: edited and sent on the server's page for it, then back here */
  const write = fu.email && !fu.automated ?
    h('p', {}, h('a', { class: 'button', href: `/today/${encodeURIComponent(fu.id)}/email?back=%2F`, text: 'Edit and send the e-mail' })) : null;
  c.append(head, h('div', { class: 'reach' }, reachLinks(fu)), reasons, words, say, ...(write ? [write] : []),
    h('div', { class: 'outcomes', role: 'group', 'aria-label': 'How it went' }, buttons, notYet, snooze));
  return c;
}

function focusCard(el) {
  const target = el || document.querySelector('.cards .card');
  if (target) target.focus();
}

function updateCount() {
  const n = document.querySelectorAll('#today-cards .card').length;
  const s = $('#today-count');
  if (s) s.textContent = n === 1 ? '1 follow-up' : `${n} follow-ups`;
  const list = $('#today-cards');
  const empty = $('#today-empty');
  if (list && empty) empty.hidden = n !== 0;
  if (list && state.today.queue) showBeside(list.querySelector('.card'));
}

/* Start mode: one follow-up at a time, its contact's latest events beside it */
let besideKey = null;

async function showBeside(cardEl) {
  const side = $('#beside');
  if (!side) return;
  const fu = cardEl ? cardEl.fu : null;
  if (!fu) { side.replaceChildren(h('p', { class: 'muted', text: 'That was the last one for this day.' })); besideKey = null; return; }
  if (besideKey === fu.contact) return;
  besideKey = fu.contact;
  side.replaceChildren(h('h2', { text: 'Latest events' }), h('p', { class: 'muted', text: 'Loading…' }));
  try {
    const c = await loadContact(fu.contact);
    if (besideKey !== fu.contact) return;
    side.replaceChildren(h('h2', {}, 'Latest events of ', fu.name || fu.contact),
      h('ol', { class: 'timeline' }, c.events.slice(-8).reverse().map((e) => h('li', { text: eventLine(e) }))),
      h('p', {}, h('a', { href: '#/contact/' + encodeURIComponent(fu.contact), text: 'The whole timeline' })));
  } catch (e) {
    side.replaceChildren(h('p', { class: 'error', text: e.message }));
  }
}

/* ---- pages ---- */

function renderLogin(message) {
  $('#top').hidden = true;
  const err = h('p', { class: 'error', role: 'alert', text: message || '' });
  const form = h('form', {},
    h('label', { for: 'login-name', text: 'Name' }),
    h('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true }),
    h('label', { for: 'login-password', text: 'Password' }),
    h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    h('button', { type: 'submit', class: 'primary', text: 'Log in' }), err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    try {
      const r = await api('POST', '/api/v1/login', { name: form.name.value, password: form.password.value }, { login: true });
      state.me = r;
      await start();
    } catch (e) {
      err.textContent = e.message;
    }
  });
  show(h('section', { class: 'login' }, h('h1', { text: 'Log in to followup' }), form));
  $('#login-name').focus();
}

let todaySeq = 0;

async function renderToday() {
  const seq = ++todaySeq;
  const t = state.today;
  if (!t.day && state.now) t.day = state.now.today;
  const q = new URLSearchParams();
  if (t.day) q.set('day', t.day);
  if (t.owner) q.set('owner', t.owner);
  if (t.automated !== 'both') q.set('automated', t.automated);
  const data = await api('GET', '/api/v1/agenda?' + q);
  if (seq !== todaySeq) return; /* a newer filter is on its way */
  live.query = '/api/v1/agenda?' + q;
  live.etag = null;
  if (state.me.role === 'admin' && !t.owner) {
    const seen = new Set(state.owners);
    for (const it of data.items) if (it.owner) seen.add(it.owner);
    state.owners = [...seen].sort();
  }
  const filters = h('form', { class: 'filters', 'aria-label': 'Filters' });
  filters.append(h('div', { class: 'field' }, h('label', { for: 'f-day', text: 'Day' }),
    h('input', { id: 'f-day', type: 'date', value: data.day })));
  if (state.me.role === 'admin') {
    const sel = h('select', { id: 'f-owner' }, h('option', { value: '', text: 'Everyone' }),
      state.owners.map((o) => h('option', { value: o, text: o, selected: o === t.owner })));
    filters.append(h('div', { class: 'field' }, h('label', { for: 'f-owner', text: 'Owner' }), sel));
  }
  filters.append(h('div', { class: 'field' }, h('label', { for: 'f-auto', text: 'Messages' }),
    h('select', { id: 'f-auto' },
      h('option', { value: 'false', text: 'For a person', selected: t.automated === 'false' }),
      h('option', { value: 'true', text: 'Automated', selected: t.automated === 'true' }),
      h('option', { value: 'both', text: 'Both', selected: t.automated === 'both' }))));
  filters.addEventListener('change', () => {
    t.day = $('#f-day').value || null;
    t.owner = $('#f-owner') ? $('#f-owner').value : '';
    t.automated = $('#f-auto').value;
    renderToday().catch(fail);
  });
  filters.addEventListener('submit', (ev) => ev.preventDefault());

  const list = h('ol', { class: 'cards' + (t.queue ? ' one' : ''), id: 'today-cards', 'aria-label': 'Follow-ups, most important first' },
    data.items.map((fu) => card(fu, recordOutcome)));
  const startBtn = h('button', { type: 'button', id: 'start', 'aria-pressed': String(!!t.queue),
    text: t.queue ? 'Show the whole list' : 'Start: one at a time',
    onclick: () => { t.queue = !t.queue; besideKey = null; renderToday().then(() => focusCard()).catch(fail); } });
  filters.append(h('div', { class: 'field' }, startBtn));
  const empty = h('div', { class: 'empty', id: 'today-empty', hidden: data.items.length !== 0 },
    h('p', {}, 'Nothing due for this day. ', h('a', { href: '#/lapsed', text: 'See the customers who are lapsing' }),
      ', search a contact above, or pick another day.'));
  const overdue = data.items.filter((i) => i.overdue).length;
  const escalated = data.items.filter((i) => i.escalated).length;
  show(h('h1', {}, 'Today ', h('span', { class: 'muted', text: data.day })),
    h('p', { class: 'summary' }, h('span', { id: 'today-count' }), overdue ? `, ${overdue} overdue` : '',
      '.', escalated ? [' ', h('strong', { class: 'esc', text: `${escalated} escalated: a new lead past its answer time, answer these first.` })] : '', ' ', notifyButton(),
      h('span', { class: 'keys muted', text: ' Keys: j/k move, r reached, v voicemail, n no answer, z undo, / search.' })),
    h('p', { id: 'live', class: 'live', role: 'status', 'aria-live': 'polite' }),
    filters, t.queue ? h('div', { class: 'queue' }, h('div', {}, list, empty), h('aside', { id: 'beside', class: 'panel', 'aria-label': 'Latest events' })) : [list, empty]);
  updateCount();
}

/*
 * Live: the server pushes a notice (server-sent events, GET /api/v1/events/stream) when a
 * contact the user may see changes: a new lead, a reply, a web-form enquiry, an outcome. The
 * open Today page then asks for the day again (with its ETag, so an unchanged day costs a
 * 304); a follow-up that was not there is put in its place with a "New" mark and announced,
 * and one that went (done elsewhere) leaves. When the stream is down, the page asks every
 * LIVE_MS instead, until the browser's reconnection works.
 */
const LIVE_MS = window.followupLiveMs || 15000; /* tests set another */
const live = { query: null, etag: null, timer: null, es: null, stale: false, soon: null };
const LOUD = new Set(['lead', 'enquiry', 'reply', 'info_request']);

async function liveCheck() {
  const list = $('#today-cards');
  if (!list || !live.query) return;
  if (document.hidden || state.pending.length) { live.stale = true; return; }
  live.stale = false;
  const headers = { Accept: 'application/json' };
  if (live.etag) headers['If-None-Match'] = live.etag;
  const query = live.query;
  const res = await fetch(query, { headers, credentials: 'same-origin' });
  if (res.status === 304 || !res.ok) return;
  const data = await res.json();
  if (!$('#today-cards') || live.query !== query || state.pending.length) return;
  live.etag = res.headers.get('ETag');
  const ids = new Set(data.items.map((fu) => fu.id));
  const shown = new Set([...list.querySelectorAll('.card')].map((c) => c.dataset.id));
  const shownContacts = new Map([...list.querySelectorAll('.card')].map((c) => [c.fu.contact, c]));
  const fresh = [];
  data.items.forEach((fu, i) => {
    if (shown.has(fu.id)) return;
    const old = shownContacts.get(fu.contact);
    const el = card(fu, recordOutcome);
    el.classList.add('new');
    el.querySelector('.card-head').append(h('span', { class: 'badge new', text: 'New' }));
    if (old) old.replaceWith(el);
    else {
      const next = data.items.slice(i + 1).map((x) => list.querySelector(`.card[data-id="${CSS.escape(x.id)}"]`)).find(Boolean);
      list.insertBefore(el, next || null);
    }
    fresh.push(fu.name || fu.contact);
  });
  /* done or put off elsewhere: the card goes, unless the user is on it */
  let gone = 0;
  for (const c of [...list.querySelectorAll('.card')]) {
    if (!ids.has(c.dataset.id) && !c.contains(document.activeElement)) { c.remove(); gone++; }
  }
  if (fresh.length) $('#live').textContent = `New: ${fresh.join(', ')}.`;
  if (fresh.length || gone) updateCount();
}

function notify(n) {
  if (!n || !LOUD.has(n.kind) || !('Notification' in window) || Notification.permission !== 'granted' || !document.hidden) return;
  const what = n.kind === 'enquiry' ? 'A web-form enquiry' : n.kind === 'reply' ? 'A reply' : 'A new lead';
  try {
    new Notification(`${what}: ${n.name || n.contact}`, { body: 'Answer it within the speed-to-lead window.', tag: n.contact || 'followup' });
  } catch (e) { /* a browser that shows none from a page */ }
}

function onNotice(n) {
  notify(n);
  clearTimeout(live.soon);
  live.soon = setTimeout(() => { liveCheck().catch(() => {}); }, 100); /* a burst is one look */
}

function pollStart() {
  if (!live.timer) live.timer = setInterval(() => { liveCheck().catch(() => {}); }, LIVE_MS);
}

function pollStop() {
  clearInterval(live.timer);
  live.timer = null;
}

function liveStart() {
  liveStop();
  pollStart();
  if (!window.EventSource) return;
  const es = new EventSource('/api/v1/events/stream');
  live.es = es;
  es.addEventListener('open', () => {
    document.body.dataset.live = 'stream';
    pollStop();
    liveCheck().catch(() => {}); /* what came while it was down */
  });
  es.addEventListener('change', (ev) => {
    let n = null;
    try { n = JSON.parse(ev.data); } catch (e) { n = null; }
    onNotice(n);
  });
  es.addEventListener('error', () => {
    document.body.dataset.live = 'poll';
    pollStart();
    /* the browser tries again by itself unless the server refused (a full server, a lost session) */
    if (es.readyState === EventSource.CLOSED && live.es === es) {
      live.es = null;
      setTimeout(() => { if (state.me && !live.es) liveStart(); }, 30000);
    }
  });
}

function liveStop() {
  pollStop();
  if (live.es) live.es.close();
  live.es = null;
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && live.stale) liveCheck().catch(() => {});
});

/* A browser notification for new leads and replies while the page is hidden: asked for on a click only. */
function notifyButton() {
  if (!('Notification' in window) || Notification.permission !== 'default') return null;
  const b = h('button', { type: 'button', class: 'link', id: 'notify', text: 'Notify me of new leads and replies' });
  b.addEventListener('click', async () => {
    try { await Notification.requestPermission(); } catch (e) { /* refused */ }
    b.remove();
  });
  return b;
}

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => [h('dt', { text: k }), h('dd', { text: String(v) })]));
}

async function renderContact(key) {
  const c = await loadContact(key, true);
  const p = c.contact, s = c.state;
  const isAdmin = state.me.role === 'admin';

  /* the profile, editable */
  const fields = [['name', 'Name'], ['email', 'E-mail'], ['phone', 'Phone'], ['company', 'Company'], ['tz', 'Time zone'], ['owner', 'Owner']];
  const pmsg = h('p', { role: 'status' });
  const pform = h('form', { class: 'profile', 'aria-label': 'Profile' },
    fields.map(([f, label]) => [h('label', { for: 'p-' + f, text: label }),
      h('input', { id: 'p-' + f, name: f, value: p[f] || '', type: f === 'email' ? 'email' : 'text',
        readonly: f === 'owner' && !isAdmin ? true : null })]),
    h('span'), h('button', { type: 'submit', class: 'primary', text: 'Save the profile' }), h('span'), pmsg);
  pform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { key: p.key };
    for (const [f] of fields) {
      const v = pform.elements[f].value.trim();
      if (v) body[f] = v;
    }
    try {
      await api('POST', '/api/v1/contacts', body);
      pmsg.textContent = 'Saved.';
      contactCache.delete(key);
    } catch (e) {
      pmsg.textContent = 'Not saved: ' + e.message;
    }
  });

  /* the open follow-up */
  let fuPanel;
  if (c.followup) {
    const cards = h('ol', { class: 'cards' }, card(c.followup, (fu, outcome, next, el, label) => {
      recordOutcome(fu, outcome, next, el, label);
    }));
    fuPanel = h('section', { class: 'panel', 'aria-labelledby': 'fu-h' }, h('h2', { id: 'fu-h', text: 'Open follow-up' }), cards);
  } else {
    fuPanel = h('section', { class: 'panel' }, h('h2', { text: 'Open follow-up' }), h('p', { class: 'muted', text: 'Nothing is open for this contact.' }));
  }

  /* the derived state */
  const statePanel = h('section', { class: 'panel' }, h('h2', { text: 'State' }), facts([
    ['Stage', s.stage], ['Events', s.events], ['Lead since', fmtTime(s.lead_at)],
    ['Purchases', s.purchases], ['Spent', money(s.spend)], ['Last purchase', fmtTime(s.last_purchase)],
    ['Open invoices', s.invoices_open ? `${s.invoices_open} (${money(s.open_amount)})` : '0'],
    ['Paid late', s.paid_late], ['Last touch out', fmtTime(s.last_touch_out)],
    ['Last word from them', fmtTime(s.last_touch_in)], ['Last conversation', fmtTime(s.last_two_way)],
    ['Opted out of e-mail', s.opted_out_email ? 'yes' : 'no'], ['Do not contact', s.do_not_contact ? 'yes' : 'no'],
  ]));

  /* the timeline, newest first, filtered by type */
  const types = [...new Set(c.events.map((e) => e.type))].sort();
  const tl = h('ol', { class: 'timeline', id: 'timeline', 'aria-label': 'Timeline, newest first' });
  const fill = (type) => {
    tl.replaceChildren(...c.events.slice().reverse().filter((e) => !type || e.type === type).map((e) =>
      h('li', { 'data-type': e.type },
        h('span', { class: 'muted', text: fmtTime(e.time) }),
        h('span', {}, h('span', { class: 'type', text: e.type.replace(/_/g, ' ') }),
          e.channel ? ` by ${e.channel}` : '', e.outcome ? ` · ${e.outcome}` : '',
          e.amount !== null ? ` · ${money(e.amount)}` : '', e.ref ? ` · ${e.ref}` : '',
          e.due ? ` · due ${fmtTime(e.due)}` : '',
          e.note ? h('span', { class: 'note' }, ' ', e.type === 'touch' ? h('span', { class: 'internal', text: 'internal note: ' }) : '', e.note) : null))));
  };
  const tsel = h('select', { id: 'tl-type' }, h('option', { value: '', text: 'Every type' }), types.map((t) => h('option', { value: t, text: t.replace(/_/g, ' ') })));
  tsel.addEventListener('change', () => fill(tsel.value));
  fill('');

  /* add a note, a touch or any event */
  const amsg = h('p', { role: 'status' });
  const aform = h('form', { class: 'stack', 'aria-label': 'Add to the timeline' },
    h('label', { for: 'a-type', text: 'Type' }),
    h('select', { id: 'a-type', name: 'type' }, EVENT_TYPES.map((t) => h('option', { value: t, text: t.replace(/_/g, ' ') }))),
    h('label', { for: 'a-channel', text: 'Channel' }),
    h('select', { id: 'a-channel', name: 'channel' }, h('option', { value: '', text: '(none)' }), CHANNELS.map((t) => h('option', { value: t, text: t }))),
    h('label', { for: 'a-outcome', text: 'Outcome (a touch)' }),
    h('select', { id: 'a-outcome', name: 'outcome' }, h('option', { value: '', text: '(none)' }),
      OUTCOMES.map(([o, l]) => h('option', { value: o, text: l }))),
    h('label', { for: 'a-amount', text: 'Amount' }),
    h('input', { id: 'a-amount', name: 'amount', inputmode: 'decimal' }),
    h('label', { for: 'a-ref', text: 'Reference' }),
    h('input', { id: 'a-ref', name: 'ref' }),
    h('label', { for: 'a-note', text: 'Note' }),
    h('textarea', { id: 'a-note', name: 'note' }),
    h('button', { type: 'submit', class: 'primary', text: 'Add' }), amsg);
  aform.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const e = { contact: p.key, type: aform.elements.type.value, time: state.now ? state.now.now : new Date().toISOString() };
    for (const f of ['channel', 'outcome', 'amount', 'ref', 'note']) {
      const v = aform.elements[f].value.trim();
      if (v) e[f] = v;
    }
    try {
      await api('POST', '/api/v1/events', e);
      await renderContact(key);
      $('#a-added').textContent = 'Added to the timeline.';
    } catch (err) {
      amsg.textContent = 'Not added: ' + err.message;
    }
  });

  show(h('h1', {}, p.name || p.key, ' ', h('span', { class: 'muted', text: `${p.key} · ${s.stage}` })),
    h('div', { class: 'reach' }, reachLinks(p)),
    h('p', { id: 'a-added', role: 'status' }),
    fuPanel,
    h('div', { class: 'grid2' },
      h('section', { class: 'panel' }, h('h2', { text: 'Profile' }), pform),
      statePanel),
    h('section', { class: 'panel', 'aria-labelledby': 'tl-h' }, h('h2', { id: 'tl-h', text: 'Timeline' }),
      h('div', { class: 'filters' }, h('div', { class: 'field' }, h('label', { for: 'tl-type', text: 'Show' }), tsel)), tl),
    h('section', { class: 'panel' }, h('h2', { text: 'Add a note, a touch or an event' }), aform));
}

async function renderSearch(q) {
  $('#q').value = q;
  const data = await api('GET', '/api/v1/contacts?' + new URLSearchParams({ search: q, limit: '50' }));
  const list = h('ul', { class: 'results', id: 'results' }, data.items.map((c) =>
    h('li', {}, h('a', { href: '#/contact/' + encodeURIComponent(c.key), text: c.name || c.key }),
      h('span', { class: 'muted' }, ` ${c.key}`, c.company ? ` · ${c.company}` : '', c.owner ? ` · ${c.owner}` : ' · unowned',
        ` · ${c.state.stage}`))));
  show(h('h1', {}, 'Contacts matching ', h('q', { text: q })),
    data.items.length ? list : h('div', { class: 'empty' }, h('p', { text: 'No contact matches. Try part of a name, an e-mail or a company.' })),
    data.next_cursor ? h('p', { class: 'muted', text: 'The first 50 are shown; narrow the search to see others.' }) : null);
}

/* ---- lapsing customers and the report ---- */

function pct(x) { return x === null || x === undefined || !isFinite(x) ? 'unknown' : Math.round(x * 100) + '%'; }

/* No follow-up open for a lapsing customer: when they were reached (a conversation, a reply) or tried since their last order. */
function noneOpen(l) {
  if (l.last_two_way && l.last_two_way > l.last_purchase) return `reached ${l.last_two_way.slice(0, 10)}`;
  if (l.last_touch_out && l.last_touch_out > l.last_purchase) return `tried ${l.last_touch_out.slice(0, 10)}`;
  return 'none open';
}

async function renderLapsed() {
  const data = await api('GET', '/api/v1/lapsed');
  const rows = data.items.map((l) => h('tr', {},
    h('th', { scope: 'row' }, h('a', { href: '#/contact/' + encodeURIComponent(l.contact), text: l.name || l.contact })),
    h('td', { text: money(l.at_risk_per_year) }),
    h('td', { text: `every ${Math.round(l.usual_gap_days)} days` }),
    h('td', { text: `${Math.round(l.waited_days)} days` }),
    h('td', { text: pct(l.p_alive) }),
    h('td', { text: l.owner || 'unowned' }),
    h('td', {}, l.followup ? h('a', { href: '#/contact/' + encodeURIComponent(l.contact), text: 'open follow-up' }) : h('span', { class: 'muted', text: noneOpen(l) }))));
  show(h('h1', { text: 'Lapsing customers' }),
    h('p', { class: 'summary', text: data.items.length ?
      `${data.items.length} regular customers have waited much longer than their own rhythm; about ${money(data.at_risk_per_year)} a year is at risk. Most money at risk first.` :
      'No regular customer is overdue for their usual order.' }),
    data.items.length ? h('div', { class: 'scroll' }, h('table', { class: 'table', id: 'lapsed' },
      h('caption', { class: 'sr', text: 'Lapsing customers, most money at risk first' }),
      h('thead', {}, h('tr', {}, ['Customer', 'At risk a year', 'Usually buys', 'Has waited', 'P(alive)', 'Owner', 'Follow-up']
        .map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, rows))) : null);
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const kid of kids.flat(Infinity)) if (kid) el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  return el;
}

/* A bar chart: one bar per point (label, value), a title for screen readers, values on the bars. */
function barChart(title, points, fmt, width) {
  const w = width || 640, hgt = width ? Math.round(width * 0.45) : 220, pad = 28, bw = (w - pad * 2) / Math.max(points.length, 1);
  const max = Math.max(1, ...points.map((p) => p.value));
  const bars = points.map((p, i) => {
    const bh = (hgt - pad * 2) * p.value / max;
    const x = pad + i * bw + bw * 0.15, y = hgt - pad - bh;
    return svg('g', {},
      svg('rect', { x, y, width: bw * 0.7, height: Math.max(bh, 1), class: 'bar' }),
      svg('text', { x: x + bw * 0.35, y: y - 6, 'text-anchor': 'middle', class: 'val' }, fmt(p.value)),
      svg('text', { x: x + bw * 0.35, y: hgt - 8, 'text-anchor': 'middle', class: 'lab' }, p.label));
  });
  return svg('svg', { viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': title, class: 'chart' },
    svg('title', {}, title), svg('line', { x1: pad, x2: w - pad, y1: hgt - pad, y2: hgt - pad, class: 'axis' }), bars);
}

function figure(title, chart, sentence) {
  return h('figure', { class: 'panel' }, h('h2', { text: title }), chart, h('figcaption', { text: sentence }));
}

function dur(sec) {
  if (!sec) return '0 min';
  if (sec < 3600) return Math.round(sec / 60) + ' min';
  if (sec < 86400 * 2) return (sec / 3600).toFixed(1) + ' h';
  return (sec / 86400).toFixed(1) + ' days';
}

async function renderReport() {
  const r = await api('GET', '/api/v1/report');
  const now = r.weeks[r.weeks.length - 1];
  const first = r.weeks[0];
  const wk = (f) => r.weeks.map((w) => ({ label: w.week.slice(5), value: f(w) }));
  const share = now.active ? now.touched_in_time / now.active : 0;
  show(h('h1', {}, 'Report ', h('span', { class: 'muted', text: `week by week to ${now.week}` })),
    h('p', { class: 'summary', text: `Speed to lead of the last 30 days' leads: median ${dur(now.speed_to_lead.median_seconds)} over ${now.speed_to_lead.answered} answered leads (${now.speed_to_lead.unanswered} not answered yet). ` +
      `${pct(share)} of ${now.active} active contacts were touched within ${now.silence_days} days. ${now.open} follow-ups open, ${now.overdue} overdue.` }),
    figure('Touches in the 30 days before each week', barChart('Touches per 30 days, by week', wk((w) => w.touches), String),
      `${now.touches} touches the customer felt in the last 30 days (${now.conversations} conversations, ${now.snoozed} snoozed); ${first.touches} at ${first.week}.`),
    figure('Revenue at risk from lapsing customers', barChart('Yearly revenue at risk, by week', wk((w) => w.lapsing.at_risk), (v) => '$' + Math.round(v).toLocaleString('en-US')),
      `${now.lapsing.customers} customers lapsing now, about ${money(now.lapsing.at_risk)} a year at risk; ${money(first.lapsing.at_risk)} at ${first.week}.`),
    figure('Speed to lead (median)', barChart('Median minutes from lead to first touch, by week', wk((w) => Math.round(w.speed_to_lead.median_seconds / 60)), (v) => v + 'm'),
      'Each week counts every lead up to its end; the median time to the first touch that answered it.'),
    ownerReport(r));
}

/* The report per owner: this week's figures side by side, then each owner's touches week by week. */
function ownerReport(r) {
  const last = r.weeks.length - 1;
  const owners = r.owners.filter((o) => o.active || o.open || o.weeks.some((w) => w.touches || w.speed_to_lead.answered || w.speed_to_lead.unanswered));
  if (!owners.length) return h('p', { class: 'muted', text: 'No owner has contacts with events yet.' });
  const name = (o) => o.owner || 'unowned';
  const per = (f) => owners.map((o) => ({ label: name(o), value: f(o) }));
  const slowest = owners.reduce((a, o) => (o.weeks[last].speed_to_lead.median_seconds > a.weeks[last].speed_to_lead.median_seconds ? o : a), owners[0]);
  const mostOverdue = owners.reduce((a, o) => (o.overdue > a.overdue ? o : a), owners[0]);
  const table = h('table', { class: 'table', id: 'report-owners-table' },
    h('caption', { class: 'sr', text: 'Each owner now' }),
    h('thead', {}, h('tr', {}, ['Owner', 'Leads answered', 'Not answered', 'Median speed to lead', 'Touched in time', 'Touches (30 days)', 'Open', 'Overdue', 'Lapsing', 'At risk a year']
      .map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, owners.map((o) => {
      const w = o.weeks[last];
      return h('tr', {}, h('th', { scope: 'row', text: name(o) }),
        [w.speed_to_lead.answered, w.speed_to_lead.unanswered, dur(w.speed_to_lead.median_seconds),
          o.active ? `${pct(o.touched_in_time / o.active)} of ${o.active}` : '-', w.touches, o.open, o.overdue,
          o.lapsing.customers, money(o.lapsing.at_risk)].map((v) => h('td', { text: String(v) })));
    })));
  return h('section', { id: 'report-owners', 'aria-labelledby': 'ro-h' },
    h('h2', { id: 'ro-h', class: 'section', text: 'Per owner' }),
    h('div', { class: 'grid2' },
      figure('Median speed to lead, per owner', barChart('Median minutes from lead to first touch, per owner', per((o) => Math.round(o.weeks[last].speed_to_lead.median_seconds / 60)), (v) => dur(v * 60), 420),
        `Slowest now: ${name(slowest)}, a median of ${dur(slowest.weeks[last].speed_to_lead.median_seconds)} over ${slowest.weeks[last].speed_to_lead.answered} answered leads.`),
      figure('Follow-ups open now, per owner', barChart('Open follow-ups per owner', per((o) => o.open), String, 420),
        `${mostOverdue.overdue} of ${name(mostOverdue)}'s ${mostOverdue.open} open follow-ups are overdue, the most of anyone.`),
      figure('Yearly revenue at risk, per owner', barChart('Yearly revenue at risk from lapsing customers, per owner', per((o) => o.lapsing.at_risk), (v) => '$' + Math.round(v).toLocaleString('en-US'), 420),
        'What the customers lapsing now would have spent in a year, by who owns them.'),
      figure('Touches in the last 30 days, per owner', barChart('Touches per owner in the last 30 days', per((o) => o.weeks[last].touches), String, 420),
        'Touches the customer felt (snoozes left out).')),
    h('h3', { text: 'Touches week by week, per owner' }),
    h('div', { class: 'grid2' }, owners.map((o) => figure(name(o),
      barChart(`Touches in the 30 days before each week, ${name(o)}`, r.weeks.map((w, k) => ({ label: w.week.slice(5), value: o.weeks[k].touches })), String, 420),
      `${o.weeks[last].touches} now, ${o.weeks[0].touches} at ${r.weeks[0].week}; ${o.weeks[last].speed_to_lead.unanswered} leads not answered yet.`))),
    h('div', { class: 'scroll' }, table));
}

/* ---- the playbook (admins): an editor checked as one types, the what-if, saving ---- */

const CHECK_MS = 400;

/* The YAML editor: a textarea with its line numbers beside it, the error's line marked. */
function yamlEditor(text) {
  const gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' });
  const ta = h('textarea', { id: 'pb-yaml', class: 'code', spellcheck: 'false', autocapitalize: 'off',
    autocomplete: 'off', wrap: 'off', 'aria-describedby': 'pb-check' });
  ta.value = text;
  let marked = 0;
  const number = () => {
    const n = ta.value.split('\n').length;
    if (gutter.childElementCount !== n) {
      const frag = document.createDocumentFragment();
      for (let i = 1; i <= n; i++) frag.append(h('span', { text: String(i) }));
      gutter.replaceChildren(frag);
      marked = 0;
    }
    gutter.scrollTop = ta.scrollTop;
  };
  ta.addEventListener('input', number);
  ta.addEventListener('scroll', () => { gutter.scrollTop = ta.scrollTop; });
  number();
  const box = h('div', { class: 'editor' }, gutter, ta);
  box.ta = ta;
  /* marks line (1-based; 0 for none) in the gutter, by a sign as well as a colour */
  box.mark = (line) => {
    if (marked && gutter.children[marked - 1]) gutter.children[marked - 1].className = '';
    marked = line && gutter.children[line - 1] ? line : 0;
    if (marked) gutter.children[marked - 1].className = 'bad';
  };
  /* puts the caret at the start of line, column (1-based) and scrolls it into view */
  box.goTo = (line, col) => {
    const lines = ta.value.split('\n');
    let at = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
    at += Math.max(0, Math.min((col || 1) - 1, (lines[line - 1] || '').length));
    ta.focus();
    ta.setSelectionRange(at, at);
    const lh = parseFloat(getComputedStyle(ta).lineHeight) || 20;
    ta.scrollTop = Math.max(0, (line - 3) * lh);
  };
  return box;
}

/* Grouped bars: for each day, the old playbook's count beside the new one's. */
function pairChart(title, points) {
  const w = 720, hgt = 220, pad = 30, bw = (w - pad * 2) / Math.max(points.length, 1);
  const max = Math.max(1, ...points.flatMap((p) => [p.old, p.new]));
  const y = (v) => hgt - pad - (hgt - pad * 2) * v / max;
  const bars = points.map((p, i) => {
    const x = pad + i * bw;
    return svg('g', {},
      svg('rect', { x: x + bw * 0.1, y: y(p.old), width: bw * 0.38, height: Math.max(hgt - pad - y(p.old), 1), class: 'bar old' }),
      svg('rect', { x: x + bw * 0.5, y: y(p.new), width: bw * 0.38, height: Math.max(hgt - pad - y(p.new), 1), class: 'bar' }),
      i % 5 === 0 || i === points.length - 1 ? svg('text', { x: x + bw / 2, y: hgt - 10, 'text-anchor': 'middle', class: 'lab' }, p.label) : null);
  });
  return svg('svg', { viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': title, class: 'chart' },
    svg('title', {}, title),
    svg('line', { x1: pad, x2: w - pad, y1: hgt - pad, y2: hgt - pad, class: 'axis' }),
    svg('text', { x: pad, y: 14, class: 'lab' }, `up to ${max} a day`), bars);
}

function chartKey() {
  return h('p', { class: 'key muted' }, h('span', { class: 'swatch old', 'aria-hidden': 'true' }), ' in effect (left bar)  ',
    h('span', { class: 'swatch', 'aria-hidden': 'true' }), ' proposed (right bar)');
}

function sum(list, f) { return list.reduce((n, x) => n + f(x), 0); }

function change(a, b) {
  if (a === b) return 'the same';
  return b > a ? `${b - a} more` : `${a - b} fewer`;
}

function renderWhatif(w, into) {
  const days = w.days;
  const tot = (k, f) => sum(days, (d) => d[k][f]);
  const pOld = tot('old', 'personal'), pNew = tot('new', 'personal');
  const aOld = tot('old', 'automated'), aNew = tot('new', 'automated');
  const fOld = tot('old', 'fresh'), fNew = tot('new', 'fresh');
  const label = (d) => d.day.slice(5);
  const ob = w.over_budget;
  const table = h('table', { class: 'table', id: 'whatif-days' },
    h('caption', { class: 'sr', text: 'Follow-ups on each day\'s agenda, in effect against proposed' }),
    h('thead', {}, h('tr', {}, ['Day', 'For a person: in effect', 'proposed', 'Automated: in effect', 'proposed', 'New that day: in effect', 'proposed']
      .map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, days.map((d) => h('tr', { class: d.old.personal !== d.new.personal || d.old.automated !== d.new.automated ? 'differs' : null },
      h('th', { scope: 'row', text: d.day }),
      [d.old.personal, d.new.personal, d.old.automated, d.new.automated, d.old.fresh, d.new.fresh].map((v) => h('td', { text: String(v) }))))));
  const owners = h('table', { class: 'table', id: 'whatif-owners' },
    h('caption', { class: 'sr', text: 'Follow-ups per owner over the 30 days, in effect against proposed' }),
    h('thead', {}, h('tr', {}, ['Owner', 'For a person: in effect', 'proposed', 'Automated: in effect', 'proposed'].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, w.owners.map((o) => h('tr', {},
      h('th', { scope: 'row', text: o.owner || 'unowned' }),
      [sum(o.days, (d) => d.old.personal), sum(o.days, (d) => d.new.personal),
        sum(o.days, (d) => d.old.automated), sum(o.days, (d) => d.new.automated)].map((v) => h('td', { text: String(v) }))))));
  const over = ob.count ? h('table', { class: 'table', id: 'whatif-over' },
    h('caption', { class: 'sr', text: 'Contacts touched more often than the weekly budget' }),
    h('thead', {}, h('tr', {}, ['Contact', 'Owner', 'Most in 7 days: in effect', 'proposed', 'From'].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, ob.items.map((o) => h('tr', {},
      h('th', { scope: 'row' }, h('a', { href: '#/contact/' + encodeURIComponent(o.contact), text: o.name || o.contact })),
      h('td', { text: o.owner || 'unowned' }), h('td', { text: String(o.old) }), h('td', { text: String(o.new) }), h('td', { text: o.week }))))) : null;
  into.replaceChildren(
    h('h2', { text: `What it would have changed, ${days[0].day} to ${days[days.length - 1].day}` }),
    h('p', { class: 'summary', id: 'whatif-summary', text:
      `Summed over the 30 days' agendas: ${pOld} follow-ups for a person with the playbook in effect, ${pNew} with this one (${change(pOld, pNew)}); ` +
      `${aOld} automated messages against ${aNew} (${change(aOld, aNew)}). New follow-ups appearing: ${fOld} against ${fNew}. ` +
      `${w.contacts} contacts replayed from the log, each day from the events up to its clock; nobody works the replayed days, so only what the log records closes a follow-up.` }),
    h('figure', { class: 'panel' }, h('h3', { text: 'For a person, each day' }), pairChart('Follow-ups for a person per day, in effect against proposed',
      days.map((d) => ({ label: label(d), old: d.old.personal, new: d.new.personal }))), chartKey()),
    h('figure', { class: 'panel' }, h('h3', { text: 'Automated, each day' }), pairChart('Automated messages per day, in effect against proposed',
      days.map((d) => ({ label: label(d), old: d.old.automated, new: d.new.automated }))), chartKey()),
    h('h3', { text: 'Over the weekly budget' }),
    h('p', { id: 'whatif-over-summary', text: ob.count ?
      `${ob.count} contacts would get more follow-ups in some 7 days than the budget allows (${ob.budget_old} a week in effect, ${ob.budget_new} proposed)` +
        (ob.count > ob.items.length ? `; the first ${ob.items.length} are listed.` : '.') :
      `No contact gets more follow-ups in any 7 days than the budget (${ob.budget_old} a week in effect, ${ob.budget_new} proposed).` }),
    over ? h('div', { class: 'scroll' }, over) : null,
    w.errors.old || w.errors.new ? h('p', { class: 'error', text: `A rule failed on a contact's data on ${w.errors.old} (in effect) and ${w.errors.new} (proposed) contact-days.` }) : null,
    h('h3', { text: 'Per owner, summed over the 30 days' }), h('div', { class: 'scroll' }, owners),
    h('details', {}, h('summary', { text: 'Every day in numbers' }), h('div', { class: 'scroll' }, table)));
}

async function renderPlaybook() {
  const pb = await api('GET', '/api/v1/playbook');
  const ed = yamlEditor(pb.yaml);
  const check = h('div', { id: 'pb-check', class: 'check', role: 'status', 'aria-live': 'polite' });
  const warnings = h('ul', { id: 'pb-warnings', class: 'warnings' });
  const whatif = h('section', { id: 'whatif', class: 'whatif', 'aria-live': 'polite' });
  const saved = h('p', { id: 'pb-saved', role: 'status' });
  let seq = 0, timer = null, ok = true;
  const tryBtn = h('button', { type: 'button', id: 'pb-whatif', text: 'What would it change? (last 30 days)' });
  const saveBtn = h('button', { type: 'button', id: 'pb-save', class: 'primary', text: 'Save and put in effect' });
  const setOk = (v) => { ok = v; tryBtn.disabled = !v; saveBtn.disabled = !v; };

  const runCheck = async () => {
    const mine = ++seq;
    let r;
    try {
      r = await api('POST', '/api/v1/playbook/check', { yaml: ed.ta.value });
    } catch (e) {
      if (mine === seq) check.replaceChildren(h('span', { class: 'error', text: 'Not checked: ' + e.message }));
      return;
    }
    if (mine !== seq) return; /* typed on since */
    setOk(r.ok);
    warnings.replaceChildren(...r.warnings.map((w) => h('li', { text: w.detail })));
    if (r.ok) {
      ed.mark(0);
      check.className = 'check ok';
      check.replaceChildren(h('span', { text: `✓ The playbook reads well: ${r.rules} rules` + (r.warnings.length ? `, ${r.warnings.length} warnings below.` : '.') }));
      return;
    }
    const e = r.errors[0];
    ed.mark(e.line);
    check.className = 'check bad';
    check.replaceChildren(h('span', { class: 'error', text: `✗ Line ${e.line}, column ${e.column}: ${e.detail.replace(/^playbook:\d+:\d+: /, '')}` }),
      ...(e.line ? [' ', h('button', { type: 'button', class: 'link', text: `Go to line ${e.line}`, onclick: () => ed.goTo(e.line, e.column) })] : []));
  };
  ed.ta.addEventListener('input', () => {
    clearTimeout(timer);
    whatif.replaceChildren();
    saved.textContent = '';
    check.className = 'check';
    check.textContent = 'Checking…';
    timer = setTimeout(() => { runCheck().catch(fail); }, CHECK_MS);
  });
  tryBtn.addEventListener('click', async () => {
    tryBtn.disabled = true;
    whatif.replaceChildren(h('p', { class: 'muted', text: 'Replaying the last 30 days…' }));
    try {
      renderWhatif(await api('POST', '/api/v1/playbook/whatif', { yaml: ed.ta.value }), whatif);
      whatif.scrollIntoView({ block: 'start' });
    } catch (e) {
      whatif.replaceChildren(h('p', { class: 'error', text: 'No what-if: ' + e.message }));
    } finally {
      tryBtn.disabled = !ok;
    }
  });
  saveBtn.addEventListener('click', async () => {
    try {
      const r = await api('PUT', '/api/v1/playbook', { yaml: ed.ta.value });
      saved.replaceChildren(`Saved: ${r.rules} rules are in effect from now. `, h('a', { href: '#/today', text: 'See today' }));
    } catch (e) {
      saved.replaceChildren(h('span', { class: 'error', text: 'Not saved: ' + e.message }));
    }
  });
  const reset = h('button', { type: 'button', class: 'link', text: 'Back to the playbook in effect',
    onclick: () => { ed.ta.value = pb.yaml; ed.ta.dispatchEvent(new Event('input')); } });
  show(h('h1', {}, 'Playbook ', h('span', { class: 'muted', text: pb.name === 'built-in' ? 'the built-in one is in effect' : 'your own is in effect' })),
    h('p', { class: 'summary', text: 'The rules that make every follow-up. Edit them here: each change is checked as you type, and before saving you can see what the last 30 days would have asked of the team with it.' }),
    h('div', { class: 'panel' },
      h('label', { for: 'pb-yaml', text: 'Playbook (YAML)' }), ed, check, warnings,
      h('div', { class: 'actions' }, tryBtn, saveBtn, reset), saved),
    whatif);
  runCheck().catch(fail);
}

/* ---- the outbox: every automated message and what became of it (admins resend or drop) ---- */

/* The states of src/outbox.h, in words, most in need of a person first. */
const OUTBOX_STATES = [
  ['uncertain', 'Uncertain', 'tried, and we never heard whether the server took it: it may have gone'],
  ['failed', 'Failed', 'temporary failures for 3 days, or refused for something else than the address'],
  ['bounced', 'Bounced', 'the address refused it for good'],
  ['deferred', 'Deferred', 'a temporary failure: it goes again at its next try'],
  ['sending', 'Sending', 'a sender is handing it over now'],
  ['queued', 'Queued', 'due, and goes on the next pass'],
  ['sent', 'Sent', 'the server took it'],
  ['dropped', 'Dropped', 'a person decided it will not go, or consent was withdrawn'],
];
const NEEDS_A_LOOK = new Set(['uncertain', 'failed', 'bounced', 'deferred']);

function outboxRow(it, onAct) {
  const info = OUTBOX_STATES.find(([s]) => s === it.state) || [it.state, it.state, ''];
  const acts = [];
  if (it.state === 'uncertain' && state.me.role === 'admin') {
    acts.push(h('button', { type: 'button', 'data-act': 'resend', text: 'Send again', 'aria-describedby': 'ob-twice',
      onclick: () => onAct(it, 'resend') }));
    acts.push(h('button', { type: 'button', 'data-act': 'drop', text: 'Drop', onclick: () => onAct(it, 'drop') }));
  }
  const when = it.state === 'deferred' && it.next_try ? `next try ${fmtTime(it.next_try)}` :
    it.last ? fmtTime(it.last) : it.due ? `due ${fmtTime(it.due)}` : '';
  return h('tr', { 'data-id': it.id, 'data-state': it.state },
    h('td', {}, h('span', { class: 'badge ob-' + it.state, text: info[1] })),
    h('th', { scope: 'row' }, it.contact ? h('a', { href: '#/contact/' + encodeURIComponent(it.contact), text: it.contact }) : '?',
      it.to ? h('span', { class: 'muted', text: ` ${it.to}` }) : null),
    h('td', { 'data-label': 'Subject', text: it.subject || '' }),
    h('td', { 'data-label': 'Tries', text: String(it.tries || 0) }),
    h('td', { 'data-label': 'When', text: when }),
    h('td', { class: 'why', 'data-label': 'Why', text: it.why || info[2] }),
    h('td', {}, acts));
}

async function renderOutbox() {
  const data = await api('GET', '/api/v1/outbox');
  const items = data.items;
  const counts = new Map(OUTBOX_STATES.map(([s]) => [s, 0]));
  for (const it of items) counts.set(it.state, (counts.get(it.state) || 0) + 1);
  const sel = h('select', { id: 'ob-state' }, h('option', { value: 'look', text: 'Needing a look' }), h('option', { value: '', text: 'Every state' }),
    OUTBOX_STATES.map(([s, label]) => h('option', { value: s, text: `${label} (${counts.get(s)})` })));
  sel.value = state.outboxFilter || 'look';
  const msg = h('p', { id: 'ob-msg', role: 'status' });
  const body = h('tbody');
  const act = async (it, what) => {
    try {
      await api('POST', `/api/v1/outbox/${encodeURIComponent(it.id)}/${what}`); /* the route takes no body */
      const done = what === 'resend' ? `${it.subject || it.id} to ${it.to || it.contact} goes again on the next pass.` :
        `${it.subject || it.id} to ${it.to || it.contact} will not go.`;
      await renderOutbox();
      $('#ob-msg').textContent = done;
    } catch (e) {
      msg.replaceChildren(h('span', { class: 'error', text: 'Not done: ' + e.message }));
    }
  };
  const fill = () => {
    const f = sel.value;
    state.outboxFilter = f;
    const list = items.filter((it) => (f === 'look' ? NEEDS_A_LOOK.has(it.state) : !f || it.state === f))
      .sort((a, b) => OUTBOX_STATES.findIndex(([s]) => s === a.state) - OUTBOX_STATES.findIndex(([s]) => s === b.state));
    body.replaceChildren(...list.map((it) => outboxRow(it, act)));
    empty.hidden = list.length !== 0;
  };
  const empty = h('div', { class: 'empty', hidden: true }, h('p', { text: 'Nothing here: every message in this state has gone its way.' }));
  sel.addEventListener('change', fill);
  const uncertain = counts.get('uncertain');
  show(h('h1', { text: 'Outbox' }),
    h('p', { class: 'summary', id: 'ob-summary', text: OUTBOX_STATES.filter(([s]) => counts.get(s)).map(([s, label]) => `${counts.get(s)} ${label.toLowerCase()}`).join(', ') + (items.length ? '.' : 'No automated message yet.') }),
    uncertain ? h('p', { class: 'warn', id: 'ob-twice' }, h('strong', { text: `${uncertain} uncertain: ` }),
      'a sender tried and never heard back, so they may have arrived. Send again only when you are sure they did not (they may arrive twice); otherwise drop them.') :
      h('p', { id: 'ob-twice', class: 'sr', text: 'Sending again may deliver it twice.' }),
    h('form', { class: 'filters', 'aria-label': 'Filter' }, h('div', { class: 'field' }, h('label', { for: 'ob-state', text: 'Show' }), sel)),
    msg,
    h('div', { class: 'scroll' }, h('table', { class: 'table', id: 'outbox' },
      h('caption', { class: 'sr', text: 'Automated messages, those needing a person first' }),
      h('thead', {}, h('tr', {}, ['State', 'To', 'Subject', 'Tries', 'When', 'Why', 'Action'].map((t) => h('th', { scope: 'col', text: t })))),
      body)),
    empty);
  fill();
}

/* ---- routing ---- */

function fail(e) {
  if (e instanceof ApiError && e.status === 401) return;
  show(h('h1', { text: 'Something went wrong' }), h('p', { class: 'error', role: 'alert', text: e.message }),
    h('p', {}, h('a', { href: '#/today', text: 'Back to today' })));
}

async function route() {
  if (!state.me) return;
  state.routing = true;
  try { await flushPending(false); } finally { state.routing = false; }
  const hash = location.hash || '#/today';
  const [, page, ...rest] = hash.split('/');
  const arg = decodeURIComponent(rest.join('/'));
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  live.query = null;
  try {
    if (page === 'contact' && arg) await renderContact(arg);
    else if (page === 'search') await renderSearch(arg);
    else if (page === 'lapsed') await renderLapsed();
    else if (page === 'report') await renderReport();
    else if (page === 'playbook' && state.me.role === 'admin') await renderPlaybook();
    else if (page === 'outbox') await renderOutbox();
    else await renderToday();
    main().focus({ preventScroll: true });
  } catch (e) {
    fail(e);
  }
}

async function start() {
  state.now = await api('GET', '/api/v1/now');
  $('#top').hidden = false;
  liveStart();
  $('#who').textContent = `${state.me.user} (${state.me.role})`;
  /* the team's report is for admins */
  $('[data-nav="report"]').hidden = state.me.role !== 'admin';
  $('[data-nav="playbook"]').hidden = state.me.role !== 'admin';
  await route();
}

function keys(ev) {
  const tag = ev.target.tagName;
  if (ev.ctrlKey || ev.metaKey || ev.altKey || tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
  const cards = [...document.querySelectorAll('.cards .card')];
  const cur = document.activeElement && document.activeElement.closest ? document.activeElement.closest('.card') : null;
  const at = cards.indexOf(cur);
  const press = (o) => { const b = cur && cur.querySelector(`[data-outcome="${o}"]`); if (b) b.click(); };
  switch (ev.key) {
    case '/': ev.preventDefault(); $('#q').focus(); break;
    case 'j': if (cards.length) cards[Math.min(at + 1, cards.length - 1)].focus(); break;
    case 'k': if (cards.length) cards[Math.max(at - 1, 0)].focus(); break;
    case 'r': press('reached'); break;
    case 'v': press('voicemail'); break;
    case 'n': press('no-answer'); break;
    case 'z': if (lastPending()) undo(lastPending()); break;
    default: return;
  }
}

document.addEventListener('DOMContentLoaded', async () => {
  $('#search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = $('#q').value.trim();
    if (q) location.hash = '#/search/' + encodeURIComponent(q);
  });
  $('#logout').addEventListener('click', async () => {
    await flushPending(false);
    try { await api('POST', '/api/v1/logout'); } catch (e) { /* gone already */ }
    state.me = null;
    liveStop();
    renderLogin('You are logged out.');
  });
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', keys);
  /* leaving the page records what is waiting for its undo time */
  window.addEventListener('pagehide', () => { flushPending(true); });
  try {
    state.me = await api('GET', '/api/v1/me', undefined, { login: true });
    await start();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) renderLogin();
    else fail(e);
  }
});
