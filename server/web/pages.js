// pages.js - a little script on the server-rendered pages (server/pages.c), which work
// without it. It adds: an outcome in one click with a few seconds to undo it, Today kept up to
// date by the server's live news (server-sent events, else a poll), and the playbook checked as
// you type. What the server sends goes into the page as text or as its own escaped HTML.
'use strict';

(function () {
  const UNDO_MS = 5000;
  const $ = (sel, el) => (el || document).querySelector(sel);
  const csrf = () => { const i = $('input[name="csrf"]'); return i ? i.value : ''; };

  /* ---- the toast: what was done, and Undo ---- */
  let toast = null;
  function say(text, undo, error) {
    if (!toast) {
      toast = document.createElement('div');
      toast.id = 'toast';
      toast.className = 'toast';
      toast.setAttribute('role', 'status');
      toast.setAttribute('aria-live', 'polite');
      document.body.appendChild(toast);
    }
    toast.textContent = '';
    toast.classList.toggle('error', !!error);
    const t = document.createElement('span');
    t.textContent = text;
    toast.appendChild(t);
    if (undo) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Undo';
      b.addEventListener('click', undo);
      toast.appendChild(b);
    }
    toast.hidden = false;
  }
  function quiet() { if (toast) toast.hidden = true; }

  /* the sentence of a page the server refused with (its .error), or the status */
  async function refusal(r) {
    try {
      const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
      const e = doc.querySelector('.error');
      if (e) return e.textContent;
    } catch (e) { /* the status then */ }
    return 'the server answered ' + r.status;
  }

  /* ---- an outcome in one click: the card goes at once, the post waits UNDO_MS ---- */
  const pending = new Map(); // the card's follow-up id -> { card, action, body, timer }

  function post(p) {
    pending.delete(p.id);
    clearTimeout(p.timer);
    return fetch(p.action, { method: 'POST', body: p.body, credentials: 'same-origin' }).then(async (r) => {
      if (!r.ok) throw new Error(await refusal(r));
      p.card.remove();
      counted();
    }).catch((e) => {
      p.card.hidden = false;
      say('Not recorded: ' + e.message, null, true);
    });
  }

  function counted() {
    const s = $('.summary');
    const n = document.querySelectorAll('#today-cards > .card:not([hidden])').length;
    if (s && $('#today-cards')) s.textContent = `${n} follow-up${n === 1 ? '' : 's'}, most important first.`;
  }

  document.addEventListener('submit', (ev) => {
    const form = ev.target;
    const card = form.closest('.card');
    if (!card || !form.closest('.outcomes')) return;
    ev.preventDefault();
    const data = new FormData(form, ev.submitter);
    const id = card.dataset.id;
    const what = data.get('outcome') === 'not-yet' ? `not yet, check back on ${data.get('next')}` :
      form.action.endsWith('/snooze') ? `snoozed until ${data.get('until')}` :
        (ev.submitter ? ev.submitter.textContent : data.get('outcome'));
    const name = card.querySelector('h2, h3').textContent;
    const p = { id, card, action: form.action, body: new URLSearchParams(data), timer: 0 };
    if (pending.has(id)) return;
    pending.set(id, p);
    card.hidden = true;
    counted();
    p.timer = setTimeout(() => { quiet(); post(p); }, UNDO_MS);
    say(`${name}: ${what}.`, () => {
      clearTimeout(p.timer);
      pending.delete(id);
      card.hidden = false;
      counted();
      quiet();
      (card.querySelector('h2 a, h3 a') || card).focus();
    });
  });

  /* leaving the page records what waits for its undo time at once */
  window.addEventListener('pagehide', () => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      navigator.sendBeacon(p.action, p.body);
    }
    pending.clear();
  });

  /* ---- Today, live: the server says a contact changed; the page asks for the day again ---- */
  async function refresh() {
    const a = document.activeElement;
    if (a && a.closest('main') && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) {
      setTimeout(refresh, 2000); // never under the hands of someone typing a date or a note
      return;
    }
    const r = await fetch(location.href, { credentials: 'same-origin' });
    if (!r.ok) return;
    const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
    const main = $('main');
    const fresh = doc.querySelector('main');
    if (!main || !fresh) return;
    const had = new Set([...document.querySelectorAll('#today-cards > .card')].map((c) => c.dataset.id));
    const focus = document.activeElement && document.activeElement.id;
    main.replaceChildren(...[...fresh.childNodes].map((n) => document.importNode(n, true)));
    let added = 0;
    for (const c of document.querySelectorAll('#today-cards > .card')) {
      if (pending.has(c.dataset.id)) {
        pending.get(c.dataset.id).card = c;
        c.hidden = true;
      } else if (had.size && !had.has(c.dataset.id)) {
        c.classList.add('new');
        const b = document.createElement('span');
        b.className = 'badge new';
        b.textContent = 'New';
        c.querySelector('.card-head').appendChild(b);
        added++;
      }
    }
    counted();
    if (focus && document.getElementById(focus)) document.getElementById(focus).focus();
    const live = document.getElementById('live') || document.createElement('p');
    live.id = 'live';
    live.className = 'live';
    live.setAttribute('role', 'status');
    live.textContent = added ? `${added} new on the list.` : '';
    if (!live.parentNode) main.insertBefore(live, main.querySelector('.summary') || null);
  }

  function liveToday() {
    if (!$('#today-cards') && !$('main .empty')) return;
    if (!location.pathname.startsWith('/today')) return;
    let timer = 0;
    const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 150); };
    const poll = () => setInterval(refresh, 15000);
    if (!window.EventSource) return poll();
    const es = new EventSource('/api/v1/events/stream');
    es.addEventListener('change', soon);
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) poll();
    });
  }

  /* ---- the playbook, checked as you type (POST /api/v1/playbook/check keeps nothing) ---- */
  function livePlaybook() {
    const ta = $('#pb-yaml');
    if (!ta) return;
    let timer = 0, seq = 0;
    ta.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++seq;
        const r = await fetch('/api/v1/playbook/check', {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
          body: JSON.stringify({ yaml: ta.value }),
        });
        if (mine !== seq || !r.ok) return;
        const c = await r.json();
        let p = $('#pb-check');
        if (!p) {
          p = document.createElement('p');
          p.id = 'pb-check';
          ta.form.parentNode.insertBefore(p, ta.form);
        }
        p.setAttribute('role', c.ok ? 'status' : 'alert');
        p.className = 'check ' + (c.ok ? 'ok' : 'error');
        p.textContent = c.ok ? `The playbook is good: ${c.rules} rules.` :
          c.errors.map((e) => (e.line ? `line ${e.line}${e.column ? ', column ' + e.column : ''}: ` : '') + e.detail).join(' ');
      }, 300);
    });
  }

  /* ---- keys: j/k move between cards, r/v/n an outcome, z undo, / search ---- */
  const keyOutcome = { r: 'Reached', v: 'Voicemail', n: 'No answer' };
  document.addEventListener('keydown', (ev) => {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) return;
    const list = [...document.querySelectorAll('.cards > .card:not([hidden])')];
    const at = list.findIndex((c) => c.contains(document.activeElement));
    if (ev.key === '/') {
      const q = document.getElementById('q');
      if (q) { ev.preventDefault(); q.focus(); }
    } else if ((ev.key === 'j' || ev.key === 'k') && list.length) {
      const next = list[Math.max(0, Math.min(list.length - 1, at < 0 ? 0 : at + (ev.key === 'j' ? 1 : -1)))];
      next.querySelector('h2 a, h3 a').focus();
    } else if (keyOutcome[ev.key] && at >= 0) {
      const b = [...list[at].querySelectorAll('.outcomes button')].find((x) => x.textContent === keyOutcome[ev.key]);
      if (b) { list[at + 1] ? list[at + 1].querySelector('h2 a, h3 a').focus() : null; b.click(); }
    } else if (ev.key === 'z' && toast && !toast.hidden) {
      const u = toast.querySelector('button');
      if (u) u.click();
    }
  });

  liveToday();
  livePlaybook();
})();
