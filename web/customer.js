// Customers on the agent desktop: the header of a pop, the detail sections (accounts, bills,
// cards, orders, tickets, history), the search that attaches an unknown caller, creating a
// customer, and editing one (with a review of what changes before it is saved).

import { get, post, patch, seg } from './api.js';
import {
  h, fill, t, act, showNotice, showFieldErrors, clearFieldErrors, listOf,
  formatMoney, formatTime, formatDate, pick,
} from './ui.js';

const LANGUAGES = ['zh-CN', 'en-US'];

export function loadCustomerDetail(id) {
  return get(`/customers/${seg(id)}`);
}

export function displayNames(customer) {
  // Both names, the page's language first; a customer may have only one.
  return [customer.nameZh, customer.nameEn].filter(Boolean).join(' · ') || customer.id || t('pop.unknown-caller');
}

const isVip = (customer) => [...(customer.tags ?? [])].some((tag) => String(tag).toLowerCase() === 'vip');

/** Name, VIP badge and tags, language, phones and accounts. */
export function customerHeader(customer, { testids = false } = {}) {
  const tags = [...(customer.tags ?? [])].filter((tag) => String(tag).toLowerCase() !== 'vip');
  return h('div', { class: 'customer-head' },
    h('h2', { class: 'customer-name', dataset: testids ? { testid: 'pop-customer-name' } : {} },
      customer.nameZh ? h('span', { lang: 'zh-CN' }, customer.nameZh) : null,
      customer.nameZh && customer.nameEn ? h('span', { class: 'sep', 'aria-hidden': 'true' }, ' · ') : null,
      customer.nameEn ? h('span', { lang: 'en' }, customer.nameEn) : null,
      !customer.nameZh && !customer.nameEn ? customer.id : null),
    h('div', { class: 'tags' },
      isVip(customer) ? h('span', { class: 'badge vip', dataset: testids ? { testid: 'pop-vip' } : {} }, t('customer.vip')) : null,
      tags.map((tag) => h('span', { class: 'badge tag' }, tag)),
      customer.language ? h('span', { class: 'badge lang' }, t(`language.${customer.language}`, {}, customer.language)) : null),
    h('dl', { class: 'pop-facts' },
      h('div', { class: 'fact' }, h('dt', {}, t('customer.phones')),
        h('dd', { dataset: testids ? { testid: 'pop-phones' } : {} }, (customer.phoneNumbers ?? []).join(', ') || '—')),
      h('div', { class: 'fact' }, h('dt', {}, t('customer.accounts')),
        h('dd', {}, (customer.accountNumbers ?? []).join(', ') || '—')),
      h('div', { class: 'fact' }, h('dt', {}, t('customer.id')), h('dd', {}, customer.id ?? '—'))));
}

/**
 * Everything `GET /customers/{id}` gives, in sections, plus the edit form.
 * `options`: {dispositions, onDial(number), onUpdated(customer), testids}.
 */
export function customerWorkspace(customer, detail, options) {
  const root = h('div', { class: 'workspace' });
  const edit = editPanel(customer, options.onUpdated);
  root.append(
    h('div', { class: 'workspace-bar' },
      h('span', { class: 'muted' }, t('customer.details')),
      phoneButtons(customer, options.onDial),
      edit.toggle),
    edit.panel);
  if (!detail) { root.append(h('p', { class: 'muted loading' }, t('app.loading'))); return root; }

  root.append(
    accountsSection(detail, options.testids !== false),
    billsSection(detail),
    cardsSection(detail),
    ordersSection(detail),
    ticketsSection(detail),
    historySection(detail, options.dispositions ?? []));
  return root;
}

function phoneButtons(customer, onDial) {
  if (!onDial) return null;
  return h('span', { class: 'dial-buttons' }, (customer.phoneNumbers ?? []).map((number) =>
    h('button', { type: 'button', class: 'small', dataset: { testid: `dial-${number}` }, 'aria-label': t('dial.call-number', { number }), onclick: () => onDial(number) },
      `☎ ${number}`)));
}

function section(titleKey, count, ...body) {
  return h('section', { class: 'card detail' },
    h('h3', {}, t(titleKey), count !== null ? h('span', { class: 'count' }, String(count)) : null),
    body);
}

function table(headers, rows, attrs = {}) {
  if (!rows.length) return h('p', { class: 'muted' }, t('app.none'));
  return h('table', attrs,
    h('thead', {}, h('tr', {}, headers.map((key) => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, rows));
}

const amountClass = (money) => {
  const value = typeof money === 'object' && money ? Number(money.minorUnits ?? money.amount) : Number(money);
  return value < 0 ? 'num negative' : 'num';
};

function accountsSection(detail, testids) {
  const accounts = listOf(detail.accounts);
  return section('customer.accounts', accounts.length, table(
    ['customer.account', 'customer.kind', 'customer.plan', 'customer.balance'],
    accounts.map((account, index) => h('tr', {},
      h('td', {}, account.number),
      h('td', {}, t(`account.${account.kind}`, {}, account.kind ?? '')),
      h('td', {}, pick(account, 'plan')),
      h('td', { class: amountClass(account.balance), dataset: index === 0 && testids ? { testid: 'pop-balance' } : {} }, formatMoney(account.balance))))));
}

function billsSection(detail) {
  const bills = listOf(detail.bills);
  return section('customer.bills', bills.length, table(
    ['customer.period', 'customer.account', 'customer.amount', 'customer.due', 'customer.status'],
    bills.map((bill) => h('tr', {},
      h('td', {}, bill.period),
      h('td', {}, bill.accountNumber),
      h('td', { class: 'num' }, formatMoney(bill.amount)),
      h('td', {}, formatDate(bill.dueDate)),
      h('td', {}, h('span', { class: `badge ${bill.paid ? 'ok' : 'warn'}` }, t(bill.paid ? 'customer.paid' : 'customer.unpaid')))))));
}

function cardsSection(detail) {
  const cards = listOf(detail.cards);
  // Transactions come inside each card or as one list next to the cards.
  const loose = listOf(detail.transactions);
  return section('customer.cards', cards.length, cards.length ? cards.map((card) => {
    const transactions = card.transactions ? listOf(card.transactions) : loose.filter((x) => x.cardNumber === card.number);
    return h('div', { class: 'sub' },
      h('p', { class: 'sub-head' }, h('strong', {}, card.number), ' ',
        h('span', { class: `badge ${card.status === 'active' ? 'ok' : 'bad'}` }, t(`card.${card.status}`, {}, card.status ?? '')), ' ',
        h('span', { class: 'muted' }, `${t('customer.expires')} ${card.expires ?? '—'}`)),
      table(['customer.when', 'customer.merchant', 'customer.amount'], transactions.map((x) => h('tr', {},
        h('td', {}, formatTime(x.at)),
        h('td', {}, pick(x, 'merchant')),
        h('td', { class: amountClass(x.amount) }, formatMoney(x.amount)))), { class: 'compact' }));
  }) : h('p', { class: 'muted' }, t('app.none')));
}

function ordersSection(detail) {
  const orders = listOf(detail.orders);
  const loose = listOf(detail.parcels);
  return section('customer.orders', orders.length, orders.length ? orders.map((order) => {
    const parcels = order.parcels ? listOf(order.parcels) : loose.filter((p) => p.orderNumber === order.number);
    return h('div', { class: 'sub' },
      h('p', { class: 'sub-head' }, h('strong', {}, order.number), ' ',
        h('span', { class: 'badge' }, t(`order.${order.status}`, {}, order.status ?? '')), ' ',
        h('span', { class: 'num' }, formatMoney(order.total)), ' ',
        h('span', { class: 'muted' }, `${t('customer.placed')} ${formatDate(order.placedAt)}`)),
      h('p', {}, pick(order, 'items')),
      parcels.length ? table(['customer.parcel', 'customer.carrier', 'customer.status', 'customer.location', 'customer.eta'],
        parcels.map((p) => h('tr', {},
          h('td', {}, p.trackingNumber),
          h('td', {}, pick(p, 'carrier')),
          h('td', {}, t(`parcel.${p.status}`, {}, p.status ?? '')),
          h('td', {}, pick(p, 'location')),
          h('td', {}, p.estimatedDelivery ? formatDate(p.estimatedDelivery) : '—'))), { class: 'compact' }) : null);
  }) : h('p', { class: 'muted' }, t('app.none')));
}

function ticketsSection(detail) {
  const tickets = listOf(detail.tickets);
  return section('customer.tickets', tickets.length, table(
    ['customer.ticket', 'customer.category', 'customer.status', 'customer.created', 'customer.summary'],
    tickets.map((ticket) => h('tr', {},
      h('td', {}, ticket.number),
      h('td', {}, [ticket.category, ticket.kind].filter(Boolean).join(' / ')),
      h('td', {}, t(`ticket.${ticket.status}`, {}, ticket.status ?? '')),
      h('td', {}, formatTime(ticket.createdAt)),
      h('td', {}, ticket.summary ?? '')))));
}

function historySection(detail, dispositions) {
  const interactions = listOf(detail.interactions);
  const label = (code) => {
    if (!code) return '—';
    if (typeof code === 'object') return pick(code, 'label') || code.code;
    const known = dispositions.find((d) => d.code === code);
    return known ? pick(known, 'label') || code : code;
  };
  return section('customer.history', interactions.length, table(
    ['customer.when', 'customer.queue', 'customer.agent', 'customer.outcome', 'wrapup.disposition', 'wrapup.notes'],
    interactions.map((item) => h('tr', {},
      h('td', {}, formatTime(item.startedAt ?? item.at ?? item.offeredAt ?? item.createdAt)),
      h('td', {}, item.queue ?? '—'),
      h('td', {}, item.agentName ?? item.agent ?? '—'),
      h('td', {}, item.outcome ?? item.result ?? '—'),
      h('td', {}, label(item.disposition)),
      h('td', { class: 'notes' }, item.notes ?? '')))));
}

// ---- editing ----

/** The fields a customer form edits, as the API names them, with how each is read and shown. */
const FIELDS = [
  { name: 'nameZh', key: 'customer.name-zh', testid: 'name-zh' },
  { name: 'nameEn', key: 'customer.name-en', testid: 'name-en' },
  { name: 'phoneNumbers', key: 'customer.phones', testid: 'phones', list: true },
  { name: 'language', key: 'customer.language', testid: 'language', select: LANGUAGES },
  { name: 'tags', key: 'customer.tags', testid: 'tags', list: true },
];

const splitList = (text) => text.split(/[\s,，;；]+/).map((s) => s.trim()).filter(Boolean);
const showValue = (field, value) => (field.list ? [...(value ?? [])].join(', ') : value ?? '') || '—';

/** Form fields for a customer: test ids `<testPrefix>-name-zh` etc.; element ids made unique per form. */
function customerFields(testPrefix, values) {
  const idPrefix = uniqueId(testPrefix);
  return FIELDS.map((field) => {
    const id = `${idPrefix}-${field.testid}`, testid = `${testPrefix}-${field.testid}`;
    const current = values[field.name];
    const input = field.select
      ? h('select', { id, name: field.name, dataset: { testid } },
        field.select.map((code) => h('option', { value: code, selected: code === current }, t(`language.${code}`))))
      : h('input', { id, name: field.name, dataset: { testid }, autocomplete: 'off',
        value: field.list ? [...(current ?? [])].join(', ') : current ?? '' });
    return h('div', { class: 'field', dataset: { field: field.name } },
      h('label', { for: id }, t(field.key)),
      input,
      field.list ? h('small', { class: 'muted' }, t('customer.list-hint')) : null);
  });
}

function readFields(form) {
  const values = {};
  for (const field of FIELDS) {
    const raw = form.elements[field.name].value;
    values[field.name] = field.list ? splitList(raw) : raw.trim() || null;
  }
  return values;
}

function editPanel(customer, onUpdated) {
  const panel = h('div', { class: 'card edit-panel', hidden: true });
  const toggle = h('button', { type: 'button', class: 'small', dataset: { testid: 'customer-edit' }, 'aria-expanded': 'false',
    onclick: () => {
      const open = panel.hidden;
      panel.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
      if (open) { renderForm(); panel.querySelector('input')?.focus(); }
    } }, t('customer.edit'));

  const close = () => { panel.hidden = true; toggle.setAttribute('aria-expanded', 'false'); toggle.focus(); };

  function renderForm(values = customer) {
    const form = h('form', { class: 'customer-form', dataset: { testid: 'customer-edit-form' }, novalidate: true },
      h('h3', {}, t('customer.edit-title')),
      customerFields('customer-edit', values),
      h('div', { class: 'button-row' },
        h('button', { type: 'submit', class: 'primary', dataset: { testid: 'customer-edit-save' } }, t('customer.review')),
        h('button', { type: 'button', class: 'ghost', dataset: { testid: 'customer-edit-cancel' }, onclick: close }, t('app.cancel'))));
    form.addEventListener('submit', (event) => { event.preventDefault(); review(form); });
    fill(panel, form);
  }

  // Step two: what will change, confirmed before the PATCH.
  function review(form) {
    const values = readFields(form);
    const changes = FIELDS.filter((field) => JSON.stringify(normal(field, values[field.name])) !== JSON.stringify(normal(field, customer[field.name])));
    if (!changes.length) { showNotice(t('customer.no-changes')); return; }
    const body = Object.fromEntries(changes.map((field) => [field.name, values[field.name] ?? (field.list ? [] : null)]));
    const confirm = h('button', { type: 'button', class: 'primary', dataset: { testid: 'customer-edit-confirm' } }, t('customer.confirm-save'));
    const reviewBox = h('div', { class: 'review', dataset: { testid: 'customer-edit-review' } },
      h('h3', {}, t('customer.review-title')),
      h('table', { class: 'compact' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('customer.field')), h('th', { scope: 'col' }, t('customer.before')), h('th', { scope: 'col' }, t('customer.after')))),
        h('tbody', {}, changes.map((field) => h('tr', {},
          h('th', { scope: 'row' }, t(field.key)),
          h('td', { class: 'before' }, showValue(field, customer[field.name])),
          h('td', { class: 'after' }, showValue(field, values[field.name])))))),
      h('div', { class: 'button-row' }, confirm,
        h('button', { type: 'button', class: 'ghost', dataset: { testid: 'customer-edit-back' }, onclick: () => renderForm({ ...customer, ...values }) }, t('app.back'))));
    confirm.addEventListener('click', async () => {
      try {
        const updated = await act(confirm, () => patch(`/customers/${seg(customer.id)}`, body));
        showNotice(t('customer.saved', { fields: changes.map((field) => t(field.key)).join(', ') }));
        onUpdated?.(updated ?? { ...customer, ...body });
      } catch (error) {
        // Back to the form with the field at fault marked.
        renderForm({ ...customer, ...values });
        showFieldErrors(panel.querySelector('form'), error);
      }
    });
    fill(panel, reviewBox);
    confirm.focus();
  }

  return { toggle, panel };
}

function normal(field, value) {
  if (field.list) return [...(value ?? [])].map(String).sort();
  return value || null;
}

// ---- search and create ----

/**
 * Find customers by name, phone or account (`GET /customers?q=`), with a form to create one.
 * `onPick(customer)` is the action on a result; `onCreated(customer)` after a 201.
 */
export function customerSearch({ initial = '', actionLabel, onPick, createDefaults = {}, onCreated }) {
  const results = h('div', { class: 'search-results', 'aria-live': 'polite' });
  const input = h('input', { id: uniqueId('search'), type: 'search', value: initial, dataset: { testid: 'customer-search' }, autocomplete: 'off' });
  const button = h('button', { type: 'submit', dataset: { testid: 'customer-search-submit' } }, t('search.submit'));
  const form = h('form', { class: 'inline-form', role: 'search' },
    h('div', { class: 'field grow', dataset: { field: 'q' } },
      h('label', { for: input.id }, t('search.label')), input),
    button);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const q = input.value.trim();
    if (!q) return;
    try {
      const answer = await act(button, () => get(`/customers?q=${encodeURIComponent(q)}`));
      const items = listOf(answer);
      fill(results, items.length
        ? h('ul', { class: 'result-list' }, items.map((customer) => h('li', { dataset: { testid: `customer-result-${customer.id}` } },
          h('div', {},
            h('strong', {}, displayNames(customer)),
            [...(customer.tags ?? [])].some((tag) => String(tag).toLowerCase() === 'vip') ? h('span', { class: 'badge vip' }, t('customer.vip')) : null,
            h('div', { class: 'muted' }, [...(customer.phoneNumbers ?? []), ...(customer.accountNumbers ?? [])].join(' · '))),
          h('button', { type: 'button', class: 'small', onclick: () => onPick(customer) }, actionLabel))))
        : h('p', { class: 'muted' }, t('search.nothing')));
    } catch (error) {
      showFieldErrors(form, error);
    }
  });

  const create = createForm(createDefaults, onCreated);
  return h('div', { class: 'customer-search' }, form, results, create);
}

function createForm(defaults, onCreated) {
  const details = h('details', { class: 'create' }, h('summary', { dataset: { testid: 'customer-create' } }, t('customer.create')));
  const form = h('form', { class: 'customer-form', dataset: { testid: 'customer-create-form' }, novalidate: true },
    customerFields('customer-create', { language: defaults.language || 'zh-CN', phoneNumbers: defaults.phoneNumbers ?? [], tags: [] }),
    h('button', { type: 'submit', class: 'primary', dataset: { testid: 'customer-create-submit' } }, t('customer.create-submit')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const values = readFields(form);
    const body = { phoneNumbers: values.phoneNumbers, language: values.language, tags: values.tags };
    if (values.nameZh) body.nameZh = values.nameZh;
    if (values.nameEn) body.nameEn = values.nameEn;
    try {
      const customer = await act(form.querySelector('[type=submit]'), () => post('/customers', body));
      showNotice(t('customer.created-done'));
      onCreated?.(customer);
    } catch (error) {
      showFieldErrors(form, error);
    }
  });
  details.append(form);
  return details;
}

let counter = 0;
const uniqueId = (stem) => `${stem}-${++counter}`;

