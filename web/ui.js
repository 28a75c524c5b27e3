// What the three pages share: building DOM, formatting, the error bar, the sign-in gate and
// the header (language switch, sign-out). Text from the server is always inserted as text
// (never as HTML), and nothing here needs inline scripts or styles.

import { t, lang, setLang, applyI18n, onLangChange } from './i18n.js';
import * as api from './api.js';

/**
 * `h('button', {class: 'primary', dataset: {testid: 'x'}, onclick: f}, 'text', child...)`.
 * Attributes named `on...` become listeners; `dataset` sets data-*; `hidden`, `disabled`,
 * `checked`, `selected` and `value` are set as properties; null/false children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'class') el.className = value;
    else if (['hidden', 'disabled', 'checked', 'selected', 'value', 'required', 'readOnly'].includes(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A list answer: a bare array or `{"items": [...]}`. */
export function listOf(value) {
  if (Array.isArray(value)) return value;
  if (value && Array.isArray(value.items)) return value.items;
  return [];
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const byTestId = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);

// ---- formatting (the browser's local time zone, the page's language) ----

const locale = () => (lang() === 'zh' ? 'zh-CN' : 'en-GB');

/** Milliseconds since 1970 from the API's times: ISO 8601 strings (events) or numbers (REST). */
export function toMillis(time) {
  if (time === null || time === undefined || time === '') return null;
  if (typeof time === 'number') return time;
  const parsed = Date.parse(time);
  return Number.isNaN(parsed) ? null : parsed;
}

export function formatTime(time) {
  const ms = toMillis(time);
  if (ms === null) return '—';
  const date = new Date(ms);
  const today = new Date();
  const sameDay = date.toDateString() === today.toDateString();
  return new Intl.DateTimeFormat(locale(), sameDay
    ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
    : { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(date);
}

/** A civil date as given ("2026-11-20"), or a timestamp shown as a local date. */
export function formatDate(value) {
  if (typeof value === 'string' && /^\d{4}-\d{2}(-\d{2})?$/.test(value)) return value;
  const ms = toMillis(value);
  return ms === null ? '—' : new Intl.DateTimeFormat(locale(), { year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
}

/** Seconds as m:ss, or h:mm:ss from an hour on. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const total = Math.max(0, Math.floor(Number(seconds)));
  const hours = Math.floor(total / 3600), minutes = Math.floor((total % 3600) / 60), secs = total % 60;
  const mm = hours ? String(minutes).padStart(2, '0') : String(minutes);
  return `${hours ? `${hours}:` : ''}${mm}:${String(secs).padStart(2, '0')}`;
}

/**
 * Money as the store keeps it (`{"minorUnits":1234567,"currency":"CNY"}`), or a plain
 * number / numeric string taken as yuan.
 */
export function formatMoney(value) {
  let amount, currency = 'CNY';
  if (value && typeof value === 'object') {
    if (value.minorUnits !== undefined) amount = Number(value.minorUnits) / 100;
    else if (value.amount !== undefined) amount = Number(value.amount);
    currency = value.currency || currency;
  } else if (value !== null && value !== undefined && value !== '') {
    amount = Number(value);
  }
  if (amount === undefined || !Number.isFinite(amount)) return '—';
  try {
    return new Intl.NumberFormat(locale(), { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

export function formatPercent(fraction) {
  if (fraction === null || fraction === undefined || !Number.isFinite(Number(fraction))) return '—';
  return `${Math.round(Number(fraction) * 100)}%`;
}

/** The zh or en member of a pair (`labelZh`/`labelEn`, `nameZh`/`nameEn`, ...), falling back to the other. */
export function pick(object, stem) {
  if (!object) return '';
  const zh = object[`${stem}Zh`], en = object[`${stem}En`];
  return (lang() === 'zh' ? zh || en : en || zh) || '';
}

/** A queue's name from `names` ({"zh-CN","en-US"}) or `name`, else its id. */
export function queueName(queue) {
  if (!queue) return '';
  const names = queue.names ?? {};
  return (lang() === 'zh' ? names['zh-CN'] || names['en-US'] : names['en-US'] || names['zh-CN']) || queue.name || queue.id || queue.queue || '';
}

export function stateLabel(state) {
  return t(`state.${state}`, {}, state);
}

/** An API error as the user reads it: our translation of its code when we have one, else the server's message. */
export function errorText(error) {
  if (!error) return '';
  if (error.code === 'too-many-attempts' && error.retryAfter) return t('err.too-many-attempts-wait', { seconds: error.retryAfter });
  const known = t(`err.${error.code}`, {}, null);
  if (known && error.message && error.code !== 'network' && error.status >= 400 && error.status < 500 && !/^http-/.test(error.code)) {
    return `${known} (${error.message})`;
  }
  return known ?? error.message ?? String(error);
}

// ---- the last error (data-testid="error") ----

let errorTimer;
/** Show an error in the header's error bar; it stays until the next one or until dismissed. */
export function showError(error) {
  const bar = byTestId('error');
  if (!bar) return;
  clearTimeout(errorTimer);
  const text = typeof error === 'string' ? error : errorText(error);
  fill(bar, text);
  bar.hidden = !text;
}

export function clearError() {
  const bar = byTestId('error');
  if (bar) { bar.replaceChildren(); bar.hidden = true; }
}

let noticeTimer;
/** A short confirmation ("Saved"), announced politely. */
export function showNotice(text) {
  const bar = $('#notice');
  if (!bar) return;
  fill(bar, text);
  bar.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { bar.hidden = true; }, 6000);
}

/** Run an API action from a button: disables it meanwhile, reports a failure in the error bar. */
export async function act(button, action) {
  if (button) button.disabled = true;
  try {
    const result = await action();
    clearError();
    return result;
  } catch (error) {
    showError(error);
    throw error;
  } finally {
    if (button) button.disabled = false;
  }
}

/** Put an API error next to the form field it names (`[data-field="<field>"]`), else at the form's top. */
export function showFieldErrors(form, error) {
  clearFieldErrors(form);
  const field = error?.field;
  let target = null;
  if (field) {
    // "skills.cards" or "escalation[1].afterSeconds": the most specific field the form has.
    const parts = field.split(/[.[\]]+/).filter(Boolean);
    for (let n = parts.length; n > 0 && !target; n--) {
      const candidates = [parts.slice(0, n).join('.'), field];
      for (const name of candidates) target ??= form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    }
  }
  const message = h('p', { class: 'field-error', role: 'alert' }, errorText(error));
  if (target) {
    target.classList.add('has-error');
    const input = target.matches('input, select, textarea') ? target : target.querySelector('input, select, textarea');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      message.id = `${input.id || 'field'}-error`;
      input.setAttribute('aria-describedby', message.id);
    }
    target.after(message);
  } else {
    form.prepend(message);
  }
}

export function clearFieldErrors(form) {
  form.querySelectorAll('.field-error').forEach((el) => el.remove());
  form.querySelectorAll('.has-error').forEach((el) => el.classList.remove('has-error'));
  form.querySelectorAll('[aria-invalid]').forEach((el) => { el.removeAttribute('aria-invalid'); el.removeAttribute('aria-describedby'); });
}

// ---- ticking clocks ----

/**
 * Elements with `data-since` (ms since 1970) show the time since then, and elements with
 * `data-count-from` + `data-base` (seconds) show base + the time since count-from, once a
 * second. One timer for the whole page.
 */
export function startTicking() {
  const tick = () => {
    const now = Date.now();
    document.querySelectorAll('[data-since]').forEach((el) => {
      const since = Number(el.dataset.since);
      el.textContent = Number.isFinite(since) && since > 0 ? formatDuration((now - since) / 1000) : '—';
    });
    document.querySelectorAll('[data-count-from]').forEach((el) => {
      const from = Number(el.dataset.countFrom), base = Number(el.dataset.base);
      el.textContent = formatDuration(base + (now - from) / 1000);
    });
  };
  tick();
  setInterval(tick, 1000);
}

// ---- the page shell: header, language, sign-in gate ----

/**
 * Wires the header and the login form, then signs the user in (or finds them signed in)
 * and calls `onSignedIn(session)`. `onSignedOut()` lets the page stop its work;
 * `beforeSignOut()` may refuse signing out by throwing (the error is shown).
 * `allowed(user)` says whether this page is for the user; otherwise a notice is shown.
 */
export function startShell({ onSignedIn, onSignedOut = () => {}, beforeSignOut = async () => {}, allowed = () => true, onLanguage = () => {} }) {
  const loginView = $('#login-view');
  const appView = $('#app-view');
  const deniedView = $('#denied-view');
  const form = $('#login-form');
  const userName = $('#user-name');

  applyI18n(document);
  renderLangSwitch();
  onLangChange(() => { applyI18n(document); renderLangSwitch(); onLanguage(); });
  byTestId('lang-switch').addEventListener('click', () => setLang(lang() === 'zh' ? 'en' : 'zh'));
  byTestId('error').addEventListener('click', clearError);

  const showLogin = () => {
    onSignedOut();
    appView.hidden = true;
    if (deniedView) deniedView.hidden = true;
    loginView.hidden = false;
    $('#logout').hidden = true;
    fill(userName);
    byTestId('login-username').focus();
  };

  const enter = async (session) => {
    loginView.hidden = true;
    $('#logout').hidden = false;
    fill(userName, session.user?.name || session.user?.username || '');
    const ok = allowed(session.user);
    appView.hidden = !ok;
    if (deniedView) deniedView.hidden = ok;
    if (!ok) return;
    try {
      await onSignedIn(session);
    } catch (error) {
      showError(error);
    }
  };

  api.setUnauthenticatedHandler(() => { showError(t('err.session-expired')); showLogin(); });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const submit = byTestId('login-submit');
    submit.disabled = true;
    try {
      const session = await api.signIn(byTestId('login-username').value.trim(), byTestId('login-password').value);
      byTestId('login-password').value = '';
      clearError();
      await enter(session);
    } catch (error) {
      showFieldErrors(form, error);
      showError(error);
    } finally {
      submit.disabled = false;
    }
  });

  $('#logout').addEventListener('click', async (event) => {
    try {
      await act(event.currentTarget, beforeSignOut);
    } catch {
      return; // e.g. 409: an agent cannot log out of routing during a call
    }
    try { await api.signOut(); } catch (error) { showError(error); }
    showLogin();
  });

  api.getSession().then((session) => (session ? enter(session) : showLogin()), (error) => {
    showError(error);
    showLogin();
  });
}

function renderLangSwitch() {
  const button = byTestId('lang-switch');
  // The button names the language it switches to, in that language.
  button.textContent = lang() === 'zh' ? 'English' : '中文';
  button.setAttribute('lang', lang() === 'zh' ? 'en' : 'zh-CN');
  button.setAttribute('aria-label', t('app.switch-language'));
}

export const hasRole = (user, ...roles) => (user?.roles ?? []).some((role) => roles.includes(role));

export { t, lang };
