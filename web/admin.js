// Administration (docs/api.md "Administration"): agents (name, roles, skills, language),
// queues (the configuration file's `queues:` item, edited in a form), which flow each
// dialled number runs, and IVR flows (validate an upload with every problem marked in the
// text itself, then upload and activate it). Admins only: the server answers 403 to
// anyone else, and the page says so before asking.
//
// An error the server names a field for is shown next to that field; a queue document's
// problems come back as "body:<line>:<column>: queues[0].<key>: <what>" and are placed by
// their key. Static labels carry data-i18n, so a language switch re-translates an open
// editor without losing what was typed in it.

import { get, put, request, seg } from './api.js';
import {
  h, fill, $, t, startShell, showNotice, showError, clearError, act, listOf, showFieldErrors, clearFieldErrors,
  queueName, hasRole, formatTime,
} from './ui.js';

const TABS = ['agents', 'queues', 'lines', 'flows'];
const ROLES = ['agent', 'supervisor', 'admin'];
const LANGUAGES = ['zh-CN', 'en-US'];
const STRATEGIES = ['longest-idle', 'most-skilled', 'round-robin', 'least-occupied'];
const STEP_KINDS = ['relax_minimum_level', 'add_skill', 'overflow'];
// The queue keys the form edits; every other key of the document is sent back as it came.
const QUEUE_FORM_KEYS = ['id', 'names', 'skills', 'strategy', 'service_level', 'ring_seconds', 'wrap_up_seconds',
  'wrap_up_requires_disposition', 'escalation'];

const admin = { agents: [], queues: [], lines: [], flows: [], problems: [], wired: false };

startShell({
  allowed: (user) => hasRole(user, 'admin'),
  onSignedIn: start,
  onLanguage: () => { if (admin.wired) renderAll(); },
});

async function start() {
  if (!admin.wired) {
    admin.wired = true;
    document.querySelectorAll('.tab').forEach((tab) => tab.addEventListener('click', () => showTab(tab.dataset.tab)));
    wireFlowEditor();
  }
  showTab(location.hash.slice(1));
  const results = await Promise.allSettled([loadAgents(), loadQueues(), loadLinesAndFlows()]);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) showError(failed.reason);
}

function renderAll() {
  renderAgents();
  renderQueues();
  renderLines();
  renderFlows();
  renderCode();
  detectFlowName();
}

function showTab(name) {
  if (!TABS.includes(name)) name = 'agents';
  document.querySelectorAll('.tab').forEach((tab) => {
    const on = tab.dataset.tab === name;
    tab.setAttribute('aria-current', on ? 'page' : 'false');
    $(`#panel-${tab.dataset.tab}`).hidden = !on;
  });
  history.replaceState(null, '', `#${name}`);
}

// ---- small builders ----

/** Text that follows the language switch (applyI18n re-translates data-i18n leaves). */
const tx = (key) => h('span', { dataset: { i18n: key } }, t(key));

const headRow = (keys) => h('thead', {}, h('tr', {}, keys.map((key) => h('th', { scope: 'col' }, key ? tx(key) : ''))));

/** A labelled control inside `.field[data-field=name]`, where the server's errors about `name` go. */
function field(name, key, control, hint) {
  return h('div', { class: 'field', dataset: { field: name } },
    h('label', { for: control.id }, tx(key), hint ? h('small', { class: 'muted' }, ' ', tx(hint)) : null),
    control);
}

/** Two fields side by side; each in its own box, so an error shown after one stays under it. */
const pair = (a, b) => h('div', { class: 'pair' }, h('div', {}, a), h('div', {}, b));

function numberInput(id, value, { min, max, testid } = {}) {
  return h('input', {
    id, type: 'number', step: '1', min: min === undefined ? null : String(min), max: max === undefined ? null : String(max),
    value: value === undefined || value === null ? '' : String(value), dataset: { testid: testid ?? id },
  });
}

/** An input's whole number, or undefined when it is empty (the key is then left out: the server's default). */
const wholeNumber = (input) => (input.value.trim() === '' ? undefined : Number(input.value));

function closeButton(editor) {
  return h('button', { type: 'button', class: 'ghost', onclick: () => { editor.hidden = true; } }, tx('admin.close'));
}

/**
 * Where a server error belongs in `form`. A queue document's problem ("body:1:52:
 * queues[0].service_level.percent: 120 is outside 1...100") names its key; a skill's names
 * the skill ("'telecom': ..." or "'telecom:11': ..."), which points at its row.
 */
function placeError(form, error) {
  let fieldName = error?.field ?? null;
  let message = error?.message ?? '';
  const located = /^[^:\n]*:\d+:\d+: queues\[\d+\](?:\.([^:]+))?: ([\s\S]*)$/.exec(message);
  if (error?.field === 'queue' && located) {
    fieldName = located[1] ?? null;
    message = located[2];
  }
  if (fieldName === 'skills') {
    const named = /^'([^':]*)(?::[^']*)?'/.exec(message);
    const rows = [...form.querySelectorAll('[data-field="skills"] .row')];
    const index = named ? rows.findIndex((row) => row.querySelector('.skill-name').value.trim() === named[1]) : -1;
    if (index >= 0) fieldName = `skills.${index}`;
  }
  showFieldErrors(form, { status: error?.status, code: error?.code, field: fieldName, message });
}

// ---- skills: rows of a name and a level 1-10 ----

/**
 * Editable skill rows. `skills` is [[name, level], ...]; `read()` gives them back the same
 * way, in row order. Row i carries `data-field="skills.<i>"` so an error about it lands
 * next to it.
 */
function skillRows(skills, { legend, hint }) {
  const list = h('div', { class: 'rows' });
  const renumber = () => [...list.children].forEach((row, i) => { row.dataset.field = `skills.${i}`; });
  const addRow = (name = '', level = 5) => {
    const row = h('div', { class: 'row', dataset: { skill: name } },
      h('label', {}, tx('admin.skill'),
        h('input', { class: 'skill-name', value: name, autocomplete: 'off', spellcheck: 'false', maxlength: '32' })),
      h('label', {}, tx('admin.level'),
        h('input', { class: 'skill-level', type: 'number', min: '1', max: '10', step: '1', value: String(level) })),
      h('button', {
        type: 'button', class: 'small ghost', 'aria-label': t('admin.remove'), title: t('admin.remove'),
        onclick: () => { row.remove(); renumber(); },
      }, '✕'));
    row.querySelector('.skill-name').addEventListener('input', (event) => { row.dataset.skill = event.target.value.trim(); });
    list.append(row);
    renumber();
    return row;
  };
  skills.forEach(([name, level]) => addRow(name, level));
  const element = h('fieldset', { class: 'field', dataset: { field: 'skills', testid: 'skills' } },
    h('legend', {}, tx(legend), ' ', h('small', { class: 'muted' }, tx(hint))),
    list,
    h('button', {
      type: 'button', class: 'small', dataset: { testid: 'skill-add' },
      onclick: () => addRow().querySelector('input').focus(),
    }, tx('admin.add-skill')));
  const read = () => [...list.children]
    .map((row) => [row.querySelector('.skill-name').value.trim(), row.querySelector('.skill-level').value.trim()])
    .filter(([name]) => name)
    .map(([name, level]) => [name, level === '' ? null : Number(level)]);
  return { element, read };
}

const skillText = (pairs) => pairs.map(([name, level]) => `${name}:${level}`).join(', ');

// ---- agents ----

async function loadAgents() {
  admin.agents = listOf(await get('/admin/agents'));
  renderAgents();
}

function renderAgents() {
  fill($('#admin-agents'),
    headRow(['admin.id', 'admin.name', 'admin.roles', 'admin.skills', 'admin.language', '']),
    h('tbody', {}, admin.agents.map((agent) => h('tr', { dataset: { testid: `admin-agent-${agent.id}` } },
      h('td', { class: 'mono' }, agent.id),
      h('td', { dataset: { testid: `admin-agent-${agent.id}-name` } }, agent.name ?? ''),
      h('td', {}, (agent.roles ?? []).map((role) => t(`role.${role}`, {}, role)).join('、')),
      h('td', { dataset: { testid: `admin-agent-${agent.id}-skills` } },
        skillText(Object.entries(agent.skills ?? {}).sort(([a], [b]) => a.localeCompare(b)))),
      h('td', {}, t(`language.${agent.language}`, {}, agent.language ?? '')),
      h('td', {}, h('button', {
        type: 'button', class: 'small', dataset: { testid: `admin-agent-${agent.id}-edit` },
        onclick: (event) => editAgent(agent.id, event.currentTarget),
      }, t('admin.edit')))))));
}

async function editAgent(id, button) {
  const record = await act(button, () => get(`/admin/agents/${seg(id)}`)).catch(() => null);
  if (record) openAgent(record);
}

function openAgent(record) {
  const editor = $('#agent-editor');
  const roles = new Set(record.roles ?? []);
  const skills = skillRows(Object.entries(record.skills ?? {}).sort(([a], [b]) => a.localeCompare(b)),
    { legend: 'admin.skills', hint: 'admin.level-hint' });
  const form = h('form', { class: 'admin-form', dataset: { testid: 'agent-form', agent: record.id }, novalidate: true },
    h('h2', {}, tx('admin.edit-agent'), ' ', h('span', { class: 'mono' }, record.id)),
    field('name', 'admin.name',
      h('input', { id: 'agent-name', value: record.name ?? '', maxlength: '100', autocomplete: 'off', dataset: { testid: 'agent-name' } })),
    h('fieldset', { class: 'field', dataset: { field: 'roles' } },
      h('legend', {}, tx('admin.roles')),
      h('div', {}, ROLES.map((role) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'roles', value: role, checked: roles.has(role), dataset: { testid: `agent-role-${role}` } }),
        tx(`role.${role}`))))),
    skills.element,
    field('language', 'admin.language',
      h('select', { id: 'agent-language', dataset: { testid: 'agent-language' } },
        LANGUAGES.map((code) => h('option', { value: code, selected: code === record.language, dataset: { i18n: `language.${code}` } },
          t(`language.${code}`))))),
    h('div', { class: 'button-row' },
      h('button', { type: 'submit', class: 'primary', dataset: { testid: 'agent-save' } }, tx('admin.save')),
      closeButton(editor)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const body = {
      name: $('#agent-name', form).value.trim(),
      roles: [...form.querySelectorAll('input[name=roles]:checked')].map((box) => box.value),
      skills: Object.fromEntries(skills.read()),
      language: $('#agent-language', form).value,
    };
    try {
      const saved = await act(form.querySelector('[type=submit]'), () => put(`/admin/agents/${seg(record.id)}`, body));
      admin.agents = admin.agents.map((agent) => (agent.id === saved.id ? saved : agent));
      renderAgents();
      openAgent(saved);
      showNotice(t('admin.agent-saved', { id: saved.id }));
    } catch (error) {
      placeError(form, error);
    }
  });
  fill(editor, form);
  editor.hidden = false;
  editor.scrollTop = 0;
  $('#agent-name', form).focus({ preventScroll: true });
}

// ---- queues ----

async function loadQueues() {
  admin.queues = listOf(await get('/admin/queues'));
  renderQueues();
}

/** "cards:5" → ["cards", 5]; a skill without a level is level 1 (the configuration's rule). */
function skillPair(text) {
  const [name, level] = String(text).split(':');
  return [name.trim(), level === undefined ? 1 : Number(level)];
}

function renderQueues() {
  fill($('#admin-queues'),
    headRow(['admin.id', 'admin.name', 'admin.skills', 'admin.strategy', '']),
    h('tbody', {}, admin.queues.map((queue) => h('tr', { dataset: { testid: `admin-queue-${queue.id}` } },
      h('td', { class: 'mono' }, queue.id),
      h('td', {}, queueName(queue)),
      h('td', {}, skillText(listOf(queue.skills).map(skillPair))),
      h('td', {}, t(`strategy.${queue.strategy}`, {}, queue.strategy ?? '')),
      h('td', {}, h('button', {
        type: 'button', class: 'small', dataset: { testid: `admin-queue-${queue.id}-edit` },
        onclick: (event) => editQueue(queue.id, event.currentTarget),
      }, t('admin.edit')))))));
}

async function editQueue(id, button) {
  const record = await act(button, () => get(`/admin/queues/${seg(id)}`)).catch(() => null);
  if (record) openQueue(record);
}

function openQueue(record) {
  const editor = $('#queue-editor');
  const id = record.id;
  const names = record.names ?? {};
  const skills = skillRows(listOf(record.skills).map(skillPair), { legend: 'admin.queue-skills', hint: 'admin.min-level-hint' });

  const strategy = h('select', { id: 'queue-strategy', dataset: { testid: 'queue-strategy' } },
    STRATEGIES.map((code) => h('option', { value: code, selected: code === record.strategy, dataset: { i18n: `strategy.${code}` } },
      t(`strategy.${code}`))));
  const percent = numberInput('queue-sl-percent', record.service_level?.percent, { min: 1, max: 100 });
  const within = numberInput('queue-sl-seconds', record.service_level?.seconds, { min: 1 });
  const ring = numberInput('queue-ring-seconds', record.ring_seconds, { min: 1 });
  const byAgent = record.wrap_up_seconds === 'agent';
  const wrapMode = h('select', { id: 'queue-wrap-up-mode', dataset: { testid: 'queue-wrap-up-mode' } },
    h('option', { value: 'seconds', selected: !byAgent, dataset: { i18n: 'admin.wrap-up-fixed' } }, t('admin.wrap-up-fixed')),
    h('option', { value: 'agent', selected: byAgent, dataset: { i18n: 'admin.wrap-up-agent' } }, t('admin.wrap-up-agent')));
  const wrapSeconds = numberInput('queue-wrap-up-seconds', byAgent ? '' : record.wrap_up_seconds, { min: 0 });
  wrapSeconds.disabled = byAgent;
  wrapMode.addEventListener('change', () => { wrapSeconds.disabled = wrapMode.value === 'agent'; });
  const disposition = h('input', {
    id: 'queue-disposition', type: 'checkbox', checked: record.wrap_up_requires_disposition === true,
    dataset: { testid: 'queue-disposition' },
  });
  const nameZh = h('input', { id: 'queue-name-zh', value: names['zh-CN'] ?? '', autocomplete: 'off', dataset: { testid: 'queue-name-zh' } });
  const nameEn = h('input', { id: 'queue-name-en', value: names['en-US'] ?? '', autocomplete: 'off', dataset: { testid: 'queue-name-en' } });

  const steps = escalationRows(listOf(record.escalation), id);
  const other = Object.entries(record).filter(([key]) => !QUEUE_FORM_KEYS.includes(key));

  const form = h('form', { class: 'admin-form', dataset: { testid: 'queue-form', queue: id }, novalidate: true },
    h('h2', {}, tx('admin.edit-queue'), ' ', h('span', { class: 'mono' }, id)),
    pair(field('names.zh-CN', 'admin.name-zh', nameZh), field('names.en-US', 'admin.name-en', nameEn)),
    skills.element,
    field('strategy', 'admin.strategy', strategy),
    h('fieldset', { class: 'field', dataset: { field: 'service_level' } },
      h('legend', {}, tx('admin.service-level')),
      pair(field('service_level.percent', 'admin.sl-percent', percent), field('service_level.seconds', 'admin.sl-seconds', within))),
    field('ring_seconds', 'admin.ring-seconds', ring),
    h('fieldset', { class: 'field', dataset: { field: 'wrap_up_seconds' } },
      h('legend', {}, tx('admin.wrap-up')),
      pair(field('wrap_up_mode', 'admin.wrap-up-mode', wrapMode), field('wrap_up_seconds.value', 'admin.wrap-up-seconds', wrapSeconds)),
      h('div', { dataset: { field: 'wrap_up_requires_disposition' } },
        h('label', { class: 'check', for: disposition.id }, disposition, tx('admin.wrap-up-disposition')))),
    steps.element,
    other.length ? h('details', { class: 'other-settings' },
      h('summary', {}, tx('admin.other-settings')),
      h('dl', { class: 'pop-facts' }, other.map(([key, value]) => h('div', { class: 'fact' },
        h('dt', { class: 'mono' }, key), h('dd', {}, typeof value === 'object' ? JSON.stringify(value) : String(value)))))) : null,
    h('div', { class: 'button-row' },
      h('button', { type: 'submit', class: 'primary', dataset: { testid: 'queue-save' } }, tx('admin.save')),
      closeButton(editor)));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    // The whole document goes back: the settings the form does not show, as they came.
    const body = Object.fromEntries(other);
    const newNames = {};
    if (nameZh.value.trim()) newNames['zh-CN'] = nameZh.value.trim();
    if (nameEn.value.trim()) newNames['en-US'] = nameEn.value.trim();
    Object.assign(body, {
      names: newNames,
      skills: skills.read().map(([name, level]) => `${name}:${level ?? ''}`),
      strategy: strategy.value,
      ring_seconds: wholeNumber(ring),
      wrap_up_seconds: wrapMode.value === 'agent' ? 'agent' : wholeNumber(wrapSeconds),
      wrap_up_requires_disposition: disposition.checked,
      escalation: steps.read(),
    });
    if (percent.value.trim() !== '' || within.value.trim() !== '') {
      body.service_level = { percent: wholeNumber(percent) ?? null, seconds: wholeNumber(within) ?? null };
    }
    try {
      const saved = await act(form.querySelector('[type=submit]'), () => put(`/admin/queues/${seg(id)}`, body));
      admin.queues = admin.queues.some((queue) => queue.id === saved.id)
        ? admin.queues.map((queue) => (queue.id === saved.id ? saved : queue)) : [...admin.queues, saved];
      renderQueues();
      openQueue(saved);
      showNotice(t('admin.queue-saved', { id: saved.id }));
    } catch (error) {
      placeError(form, error);
    }
  });
  fill(editor, form);
  editor.hidden = false;
  editor.scrollTop = 0;
  nameZh.focus({ preventScroll: true });
}

/**
 * Escalation steps: after so many seconds, relax the minimum level, add a skill ("cards:5")
 * or overflow to another queue. Row i is `data-field="escalation.<i>"` (the server names a
 * step as escalation[i]).
 */
function escalationRows(initial, queueId) {
  const list = h('div', { class: 'rows' });
  const renumber = () => [...list.children].forEach((row, i) => { row.dataset.field = `escalation.${i}`; });
  const valueControl = (kind, value) => {
    if (kind === 'relax_minimum_level') {
      return h('input', { class: 'step-value', type: 'number', min: '1', max: '10', step: '1', value: value === undefined ? '1' : String(value) });
    }
    if (kind === 'overflow') {
      const ids = admin.queues.map((queue) => queue.id).filter((other) => other !== queueId);
      if (value && !ids.includes(value)) ids.unshift(value);
      return h('select', { class: 'step-value' }, ids.map((other) => h('option', { value: other, selected: other === value }, other)));
    }
    return h('input', { class: 'step-value', value: value ?? '', placeholder: 'cards:5', autocomplete: 'off', spellcheck: 'false' });
  };
  const addRow = (step = { after_seconds: 60, relax_minimum_level: 1 }) => {
    const kind = STEP_KINDS.find((key) => step[key] !== undefined) ?? 'relax_minimum_level';
    const valueLabel = h('label', {}, tx('admin.step-value'), valueControl(kind, step[kind]));
    const kindSelect = h('select', { class: 'step-kind' },
      STEP_KINDS.map((key) => h('option', { value: key, selected: key === kind, dataset: { i18n: `escalation.${key}` } }, t(`escalation.${key}`))));
    kindSelect.addEventListener('change', () => valueLabel.querySelector('.step-value').replaceWith(valueControl(kindSelect.value)));
    const row = h('div', { class: 'row', dataset: { kind } },
      h('label', {}, tx('admin.after-seconds'),
        h('input', { class: 'step-after', type: 'number', min: '1', step: '1', value: String(step.after_seconds ?? '') })),
      h('label', {}, tx('admin.step-kind'), kindSelect),
      valueLabel,
      h('button', {
        type: 'button', class: 'small ghost', 'aria-label': t('admin.remove'), title: t('admin.remove'),
        onclick: () => { row.remove(); renumber(); },
      }, '✕'));
    list.append(row);
    renumber();
    return row;
  };
  initial.forEach((step) => addRow(step));
  const element = h('fieldset', { class: 'field', dataset: { field: 'escalation', testid: 'escalation' } },
    h('legend', {}, tx('admin.escalation')),
    list,
    h('button', {
      type: 'button', class: 'small', dataset: { testid: 'step-add' },
      onclick: () => addRow().querySelector('input').focus(),
    }, tx('admin.add-step')));
  const read = () => [...list.children].map((row) => {
    const kind = row.querySelector('.step-kind').value;
    const raw = row.querySelector('.step-value').value.trim();
    const after = row.querySelector('.step-after').value.trim();
    return { after_seconds: after === '' ? null : Number(after), [kind]: kind === 'relax_minimum_level' ? (raw === '' ? null : Number(raw)) : raw };
  });
  return { element, read };
}

// ---- lines: which flow a dialled number runs ----

async function loadLinesAndFlows() {
  const [lines, flows] = await Promise.all([get('/admin/lines'), get('/admin/flows')]);
  admin.lines = listOf(lines);
  admin.flows = listOf(flows);
  renderLines();
  renderFlows();
}

function renderLines() {
  const names = admin.flows.map((flow) => flow.name);
  fill($('#admin-lines'),
    headRow(['admin.number', 'admin.name', 'admin.flow', '']),
    h('tbody', {}, admin.lines.map((line) => {
      const choices = line.flow && !names.includes(line.flow) ? [line.flow, ...names] : names;
      const select = h('select', { id: `line-${line.number}-flow`, 'aria-label': t('admin.flow-for', { number: line.number }),
        dataset: { testid: `line-${line.number}-flow` } },
      line.flow ? null : h('option', { value: '', selected: true, disabled: true }, t('admin.no-flow')),
      choices.map((name) => h('option', { value: name, selected: name === line.flow }, name)));
      const cell = h('td', {}, h('div', { class: 'field', dataset: { field: 'flow' } }, select));
      const save = h('button', {
        type: 'button', class: 'small primary', dataset: { testid: `line-${line.number}-save` },
        onclick: () => saveLine(line.number, select, cell, save),
      }, t('admin.save'));
      return h('tr', { dataset: { testid: `admin-line-${line.number}` } },
        h('td', { class: 'mono' }, line.number), h('td', {}, line.name ?? ''), cell, h('td', {}, save));
    })));
}

async function saveLine(number, select, cell, button) {
  clearFieldErrors(cell);
  if (!select.value) return;
  try {
    const saved = await act(button, () => put(`/admin/lines/${seg(number)}`, { flow: select.value }));
    admin.lines = admin.lines.map((line) => (line.number === saved.number ? saved : line));
    showNotice(t('admin.line-saved', { number: saved.number, flow: saved.flow }));
    // The flows table lists each flow's numbers.
    await loadLinesAndFlows();
  } catch (error) {
    placeError(cell, error);
  }
}

// ---- flows ----

function renderFlows() {
  fill($('#admin-flows'),
    headRow(['admin.flow', 'admin.language', 'admin.version', 'admin.loaded-at', 'admin.numbers', 'admin.source']),
    h('tbody', {}, admin.flows.map((flow) => h('tr', { dataset: { testid: `admin-flow-${flow.name}` } },
      h('td', { class: 'mono' }, flow.name),
      h('td', {}, t(`language.${flow.language}`, {}, flow.language ?? '')),
      h('td', { class: 'num', dataset: { testid: `admin-flow-${flow.name}-version` } }, String(flow.version ?? '')),
      h('td', {}, formatTime(flow.loadedAt)),
      h('td', { class: 'mono', dataset: { testid: `admin-flow-${flow.name}-lines` } }, listOf(flow.lines).join(', ') || '—'),
      h('td', {}, h('span', { class: flow.uploaded ? 'badge ok' : 'badge' }, t(flow.uploaded ? 'admin.uploaded' : 'admin.configured')))))));
}

/** The file's top-level `flow:` value, read the way the server reads it (AdminRoutes.flowName). */
function flowNameIn(text) {
  for (const line of text.split('\n')) {
    if (!line.startsWith('flow:')) continue;
    const value = line.slice(5).split('#')[0].replace(/^[ \t"'\r]+|[ \t"'\r]+$/g, '');
    return value || null;
  }
  return null;
}

function detectFlowName() {
  const text = $('#flow-text').value;
  const name = flowNameIn(text);
  fill($('#flow-detected'), !text.trim() ? '' : name ? t('admin.flow-detected', { name }) : t('admin.flow-no-name'));
}

function wireFlowEditor() {
  const text = $('#flow-text');
  text.addEventListener('input', () => { renderCode(); detectFlowName(); });
  text.addEventListener('scroll', syncScroll);
  $('#flow-file').addEventListener('change', async (event) => {
    const file = event.target.files?.[0];
    if (!file) return;
    text.value = (await file.text()).replace(/\r\n?/g, '\n');
    admin.problems = [];
    $('#flow-result').hidden = true;
    clearFieldErrors($('#flow-form'));
    renderCode();
    detectFlowName();
  });
  $('#flow-validate').addEventListener('click', (event) => sendFlow(event.currentTarget, 'validate'));
  $('#flow-activate').addEventListener('click', (event) => sendFlow(event.currentTarget, 'activate'));
  renderCode();
}

/** Problems of the text in the editor, by line (those found in other loaded flows are only listed). */
function problemsByLine(lineCount) {
  const byLine = new Map();
  for (const problem of admin.problems) {
    const line = Number(problem.line);
    if (problem.inThisFile === false || !Number.isInteger(line) || line < 1 || line > lineCount) continue;
    byLine.set(line, [...(byLine.get(line) ?? []), problem]);
  }
  return byLine;
}

const where = (problem) => {
  const at = t('admin.at-line', { line: problem.line, column: problem.column ?? 1 });
  return problem.inThisFile === false ? `${problem.file} ${at}` : at;
};

/**
 * The gutter (line numbers, problem lines marked) and the backdrop behind the transparent
 * textarea: each problem line tinted, the text from the problem's column to the end of
 * its word underlined, and the message after the line's end. The backdrop holds the same
 * text in the same font (transparent), so the marks sit exactly under the characters.
 */
function renderCode() {
  const text = $('#flow-text').value;
  const lines = text.split('\n');
  const byLine = problemsByLine(lines.length);
  fill($('#flow-gutter'), lines.map((_, i) => {
    const here = byLine.get(i + 1);
    return h('li', {
      class: here ? 'has-problem' : null, dataset: { line: String(i + 1) },
      title: here ? here.map((p) => `${where(p)}: ${p.message}`).join('\n') : null,
    }, String(i + 1));
  }));
  fill($('#flow-backdrop'), lines.map((line, i) => {
    const here = byLine.get(i + 1);
    if (!here) return h('div', { class: 'code-line' }, line);
    const column = Math.min(Math.max(1, Number(here[0].column) || 1), line.length + 1) - 1;
    const end = column + Math.max(1, (/^\S*/.exec(line.slice(column))?.[0].length) || 0);
    return h('div', { class: 'code-line has-problem', dataset: { line: String(i + 1) } },
      line.slice(0, column),
      h('mark', { class: 'problem-mark' }, line.slice(column, end) || ' '),
      line.slice(end),
      h('span', { class: 'problem-note' }, here.map((p) => p.message).join(' · ')));
  }));
  syncScroll();
}

function syncScroll() {
  const text = $('#flow-text');
  $('#flow-gutter').scrollTop = text.scrollTop;
  const backdrop = $('#flow-backdrop');
  backdrop.scrollTop = text.scrollTop;
  backdrop.scrollLeft = text.scrollLeft;
}

/** Puts the cursor on a problem (its line and column) and scrolls the editor there. */
function goToProblem(problem) {
  const text = $('#flow-text');
  const lines = text.value.split('\n');
  const line = Math.min(Math.max(1, Number(problem.line) || 1), lines.length);
  const before = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0);
  const offset = before + Math.min(Math.max(0, (Number(problem.column) || 1) - 1), lines[line - 1].length);
  text.focus();
  text.setSelectionRange(offset, offset);
  const lineHeight = parseFloat(getComputedStyle(text).lineHeight) || 20;
  text.scrollTop = Math.max(0, (line - 1) * lineHeight - text.clientHeight / 2);
  syncScroll();
}

async function sendFlow(button, action) {
  const form = $('#flow-form');
  const yaml = $('#flow-text').value;
  clearFieldErrors(form);
  clearError();
  if (!yaml.trim()) {
    showFieldErrors(form, { code: 'missing-field', field: 'flow', message: t('admin.flow-empty') });
    return;
  }
  const name = flowNameIn(yaml);
  if (action === 'activate' && !name) {
    showFieldErrors(form, { code: 'missing-field', field: 'flow', message: t('admin.flow-no-name') });
    return;
  }
  const other = action === 'validate' ? $('#flow-activate') : $('#flow-validate');
  button.disabled = true;
  other.disabled = true;
  try {
    const answer = action === 'validate'
      ? await request('POST', '/admin/flows/validate', yaml, { contentType: 'application/yaml' })
      : await request('PUT', `/admin/flows/${seg(name)}`, yaml, { contentType: 'application/yaml' });
    admin.problems = [];
    renderCode();
    if (action === 'validate') {
      showFlowResult('valid', { name: answer?.flow ?? name });
    } else {
      showFlowResult('activated', answer);
      showNotice(t('admin.flow-activated', { name: answer.name, version: answer.version }));
      await loadLinesAndFlows();
    }
  } catch (error) {
    const problems = listOf(error.body?.problems);
    if (problems.length) {
      admin.problems = problems;
      renderCode();
      showFlowResult('invalid', { problems });
    } else {
      admin.problems = [];
      renderCode();
      $('#flow-result').hidden = true;
      // The name in the path is the file's own `flow:`: a complaint about it belongs to the text.
      showFieldErrors(form, { status: error.status, code: error.code, field: 'flow', message: error.message });
      showError(error);
    }
  } finally {
    button.disabled = false;
    other.disabled = false;
  }
}

function showFlowResult(outcome, { name, version, loadedAt, lines, problems = [] }) {
  const box = $('#flow-result');
  let heading;
  if (outcome === 'invalid') heading = t('admin.flow-problems', { count: problems.length });
  else if (outcome === 'valid') heading = t('admin.flow-valid', { name });
  else heading = t('admin.flow-activated', { name, version });
  fill(box,
    h('h3', { tabindex: '-1', class: outcome === 'invalid' ? 'bad' : 'ok', dataset: { testid: 'flow-outcome', outcome } }, heading),
    outcome === 'activated' ? h('p', { class: 'muted', dataset: { testid: 'flow-activated-detail', version: String(version) } },
      t('admin.flow-activated-detail', { time: formatTime(loadedAt), lines: listOf(lines).join(', ') || t('app.none') })) : null,
    problems.length ? h('ul', { class: 'problem-list', dataset: { testid: 'flow-problems' } }, problems.map((problem) => h('li', {
      dataset: { testid: 'flow-problem', line: String(problem.line ?? ''), column: String(problem.column ?? ''), code: problem.code ?? '' },
    },
    problem.inThisFile === false
      ? h('span', { class: 'where' }, where(problem))
      : h('button', { type: 'button', class: 'link where', onclick: () => goToProblem(problem) }, where(problem)),
    ' ', h('span', { class: 'problem-message' }, problem.message ?? ''),
    problem.fix ? h('span', { class: 'problem-fix' }, problem.fix) : null))) : null);
  box.hidden = false;
  if (outcome === 'invalid') box.querySelector('h3').focus();
}
