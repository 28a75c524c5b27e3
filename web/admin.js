// Administration: agents (name, roles, skills), queues (skills, escalation), which flow
// answers a dialled number, and flows (validate an upload, show each problem at its line,
// activate). Field errors from the API are shown next to the field they name.

import { get, put, request, seg } from './api.js';
import {
  h, fill, $, t, startShell, showNotice, showError, clearError, act, listOf, showFieldErrors, clearFieldErrors,
  queueName, hasRole, formatTime,
} from './ui.js';

const ROLES = ['agent', 'supervisor', 'admin'];
const ESCALATIONS = ['relaxMinimumLevel', 'addSkill', 'overflow'];

const admin = { flows: [], queues: [], wired: false };

startShell({
  allowed: (user) => hasRole(user, 'admin'),
  onSignedIn: start,
  onLanguage: () => { if (admin.wired) { renderAgents(); renderQueues(); renderFlows(); } },
});

async function start() {
  if (!admin.wired) {
    admin.wired = true;
    document.querySelectorAll('.tab').forEach((tab) => tab.addEventListener('click', () => showTab(tab.dataset.tab)));
    $('#line-lookup').addEventListener('submit', openLine);
    wireFlowForm();
  }
  showTab(location.hash.slice(1) || 'agents');
  await Promise.all([loadAgents(), loadQueues(), loadFlows()]);
}

function showTab(name) {
  if (!['agents', 'queues', 'lines', 'flows'].includes(name)) name = 'agents';
  document.querySelectorAll('.tab').forEach((tab) => {
    const on = tab.dataset.tab === name;
    tab.setAttribute('aria-current', on ? 'page' : 'false');
    $(`#panel-${tab.dataset.tab}`).hidden = !on;
  });
  history.replaceState(null, '', `#${name}`);
}

// ---- agents ----

async function loadAgents() {
  admin.agents = listOf(await get('/agents'));
  renderAgents();
}

function renderAgents() {
  const agents = admin.agents ?? [];
  fill($('#admin-agents'),
    h('thead', {}, h('tr', {}, ['admin.id', 'admin.name', 'admin.skills', ''].map((key) => h('th', { scope: 'col' }, key ? t(key) : '')))),
    h('tbody', {}, agents.map((agent) => h('tr', { dataset: { testid: `admin-agent-${agent.id}` } },
      h('td', {}, agent.id),
      h('td', {}, agent.name ?? ''),
      h('td', {}, Object.entries(agent.skills ?? {}).map(([skill, level]) => `${skill}:${level}`).join(', ')),
      h('td', {}, h('button', { type: 'button', class: 'small', dataset: { testid: `admin-agent-${agent.id}-edit` },
        onclick: (e) => editAgent(agent.id, e.currentTarget) }, t('admin.edit')))))));
}

async function editAgent(id, button) {
  const record = await act(button, () => get(`/admin/agents/${seg(id)}`)).catch(() => null);
  if (!record) return;
  const editor = $('#agent-editor');
  const roles = new Set(record.roles ?? []);
  const skills = skillRows(record.skills ?? {});
  const form = h('form', { dataset: { testid: 'agent-form' }, novalidate: true },
    h('h2', {}, t('admin.edit-agent', { id })),
    h('div', { class: 'field', dataset: { field: 'name' } },
      h('label', { for: 'agent-name' }, t('admin.name')),
      h('input', { id: 'agent-name', name: 'name', value: record.name ?? '', maxlength: '100', autocomplete: 'off', dataset: { testid: 'agent-name' } })),
    h('fieldset', { class: 'field', dataset: { field: 'roles' } },
      h('legend', {}, t('admin.roles')),
      ROLES.map((role) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'roles', value: role, checked: roles.has(role), dataset: { testid: `agent-role-${role}` } }),
        ` ${t(`role.${role}`)}`))),
    skills.element,
    h('div', { class: 'button-row' },
      h('button', { type: 'submit', class: 'primary', dataset: { testid: 'agent-save' } }, t('admin.save')),
      h('button', { type: 'button', class: 'ghost', onclick: () => { editor.hidden = true; } }, t('app.cancel'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const body = {
      name: form.elements.name.value.trim(),
      roles: [...form.querySelectorAll('input[name=roles]:checked')].map((box) => box.value),
      skills: skills.read(),
    };
    try {
      await act(form.querySelector('[type=submit]'), () => put(`/admin/agents/${seg(id)}`, body));
      showNotice(t('admin.saved'));
      await loadAgents();
    } catch (error) {
      showFieldErrors(form, error);
    }
  });
  fill(editor, form);
  editor.hidden = false;
  form.elements.name.focus();
}

/**
 * Editable skill rows ({"cards": 9}): a name and a proficiency 1-10 each. Each row carries
 * `data-field="skills.<name>"` so an error about one skill lands next to it.
 */
function skillRows(skills, { label = 'admin.skills', min = 1 } = {}) {
  const list = h('div', { class: 'rows' });
  const addRow = (name = '', level = 5) => {
    const row = h('div', { class: 'row', dataset: { field: `skills.${name}` } },
      h('label', {}, h('span', { class: 'sr-only' }, t('admin.skill')),
        h('input', { class: 'skill-name', value: name, placeholder: t('admin.skill'), pattern: '[a-z0-9_\\-]+', autocomplete: 'off' })),
      h('label', {}, h('span', { class: 'sr-only' }, t('admin.level')),
        h('input', { class: 'skill-level', type: 'number', min: String(min), max: '10', step: '1', value: String(level) })),
      h('button', { type: 'button', class: 'small ghost', 'aria-label': t('admin.remove'), onclick: () => row.remove() }, '✕'));
    row.querySelector('.skill-name').addEventListener('input', (e) => { row.dataset.field = `skills.${e.target.value.trim()}`; });
    list.append(row);
    return row;
  };
  Object.entries(skills).forEach(([name, level]) => addRow(name, level));
  const element = h('fieldset', { class: 'field', dataset: { field: 'skills' } },
    h('legend', {}, t(label), h('small', { class: 'muted' }, ` ${t('admin.level-hint')}`)),
    list,
    h('button', { type: 'button', class: 'small', dataset: { testid: 'skill-add' }, onclick: () => addRow().querySelector('input').focus() }, t('admin.add-skill')));
  const read = () => Object.fromEntries([...list.children]
    .map((row) => [row.querySelector('.skill-name').value.trim(), Number(row.querySelector('.skill-level').value)])
    .filter(([name]) => name));
  return { element, read };
}

// ---- queues ----

async function loadQueues() {
  admin.queues = listOf(await get('/queues'));
  renderQueues();
}

function renderQueues() {
  fill($('#admin-queues'),
    h('thead', {}, h('tr', {}, ['admin.id', 'admin.name', ''].map((key) => h('th', { scope: 'col' }, key ? t(key) : '')))),
    h('tbody', {}, admin.queues.map((queue) => h('tr', { dataset: { testid: `admin-queue-${queue.id}` } },
      h('td', {}, queue.id),
      h('td', {}, queueName(queue)),
      h('td', {}, h('button', { type: 'button', class: 'small', dataset: { testid: `admin-queue-${queue.id}-edit` },
        onclick: (e) => editQueue(queue.id, e.currentTarget) }, t('admin.edit')))))));
}

async function editQueue(id, button) {
  const record = await act(button, () => get(`/admin/queues/${seg(id)}`)).catch(() => null);
  if (!record) return;
  const editor = $('#queue-editor');
  const skills = skillRows(record.skills ?? {});
  const steps = h('div', { class: 'rows' });
  const addStep = (step = { afterSeconds: 60, relaxMinimumLevel: 1 }) => {
    const kind = ESCALATIONS.find((key) => step[key] !== undefined) ?? 'relaxMinimumLevel';
    const index = steps.children.length;
    // addSkill comes as {"telecom": 7} or "telecom:7"; it is edited as "telecom:7" and sent back in the shape it came in.
    const value = kind === 'addSkill' && typeof step.addSkill === 'object'
      ? Object.entries(step.addSkill).map(([skill, level]) => `${skill}:${level}`).join(',')
      : String(step[kind] ?? '');
    const row = h('div', { class: 'row', dataset: { field: `escalation.${index}`, shape: typeof step.addSkill === 'string' ? 'string' : 'object' } },
      h('label', {}, h('span', {}, t('admin.after-seconds')),
        h('input', { class: 'after', type: 'number', min: '0', step: '1', value: String(step.afterSeconds ?? 0) })),
      h('label', {}, h('span', { class: 'sr-only' }, t('admin.escalation-kind')),
        h('select', { class: 'kind' }, ESCALATIONS.map((key) => h('option', { value: key, selected: key === kind }, t(`escalation.${key}`))))),
      h('label', {}, h('span', { class: 'sr-only' }, t('admin.escalation-value')),
        h('input', { class: 'value', value, autocomplete: 'off', placeholder: 'telecom:7 / 2 / general' })),
      h('button', { type: 'button', class: 'small ghost', 'aria-label': t('admin.remove'), onclick: () => row.remove() }, '✕'));
    steps.append(row);
    return row;
  };
  listOf(record.escalation).forEach(addStep);

  const readSteps = () => [...steps.children].map((row) => {
    const kind = row.querySelector('.kind').value;
    const text = row.querySelector('.value').value.trim();
    let value = text;
    if (kind === 'relaxMinimumLevel') value = Number(text);
    if (kind === 'addSkill' && row.dataset.shape !== 'string') {
      value = Object.fromEntries(text.split(',').map((pair) => pair.split(':').map((s) => s.trim())).map(([skill, level]) => [skill, Number(level)]));
    }
    return { afterSeconds: Number(row.querySelector('.after').value), [kind]: value };
  });

  // The queue's other settings, for reference (they are set in the configuration).
  const other = Object.entries(record).filter(([key, value]) => !['id', 'names', 'skills', 'escalation'].includes(key) && (typeof value !== 'object' || value === null));
  const form = h('form', { dataset: { testid: 'queue-form' }, novalidate: true },
    h('h2', {}, t('admin.edit-queue', { id: queueName(record) || id })),
    skills.element,
    h('fieldset', { class: 'field', dataset: { field: 'escalation' } },
      h('legend', {}, t('admin.escalation')),
      steps,
      h('button', { type: 'button', class: 'small', dataset: { testid: 'escalation-add' }, onclick: () => addStep().querySelector('input').focus() }, t('admin.add-step'))),
    other.length ? h('details', {}, h('summary', {}, t('admin.other-settings')),
      h('dl', { class: 'pop-facts' }, other.map(([key, value]) => h('div', { class: 'fact' }, h('dt', {}, key), h('dd', {}, String(value)))))) : null,
    h('div', { class: 'button-row' },
      h('button', { type: 'submit', class: 'primary', dataset: { testid: 'queue-save' } }, t('admin.save')),
      h('button', { type: 'button', class: 'ghost', onclick: () => { editor.hidden = true; } }, t('app.cancel'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    try {
      await act(form.querySelector('[type=submit]'), () => put(`/admin/queues/${seg(id)}`, { skills: skills.read(), escalation: readSteps() }));
      showNotice(t('admin.saved'));
    } catch (error) {
      showFieldErrors(form, error);
    }
  });
  fill(editor, form);
  editor.hidden = false;
  form.querySelector('input')?.focus();
}

// ---- lines: dialled number -> flow ----

async function openLine(event) {
  event.preventDefault();
  const lookup = event.currentTarget;
  clearFieldErrors(lookup);
  const number = $('#line-number').value.trim();
  if (!number) return;
  let line;
  try {
    line = await act(lookup.querySelector('[type=submit]'), () => get(`/admin/lines/${seg(number)}`));
  } catch (error) {
    showFieldErrors(lookup, error);
    return;
  }
  const editor = $('#line-editor');
  const names = admin.flows.map(flowName).filter(Boolean);
  if (line.flow && !names.includes(line.flow)) names.unshift(line.flow);
  const form = h('form', { dataset: { testid: 'line-form' }, novalidate: true },
    h('h2', {}, t('admin.line', { number: line.number ?? number })),
    line.name ? h('p', { class: 'muted' }, line.name) : null,
    h('div', { class: 'field', dataset: { field: 'flow' } },
      h('label', { for: 'line-flow' }, t('admin.flow')),
      h('select', { id: 'line-flow', name: 'flow', dataset: { testid: 'line-flow' } },
        h('option', { value: '' }, t('admin.no-flow')),
        names.map((name) => h('option', { value: name, selected: name === line.flow }, name)))),
    h('button', { type: 'submit', class: 'primary', dataset: { testid: 'line-save' } }, t('admin.save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    try {
      const flow = form.elements.flow.value || null;
      await act(form.querySelector('[type=submit]'), () => put(`/admin/lines/${seg(number)}`, { flow }));
      showNotice(t('admin.saved'));
    } catch (error) {
      showFieldErrors(form, error);
    }
  });
  fill(editor, form);
  editor.hidden = false;
}

// ---- flows ----

const flowName = (flow) => (typeof flow === 'string' ? flow : flow?.name ?? flow?.flow);

async function loadFlows() {
  admin.flows = listOf(await get('/admin/flows'));
  renderFlows();
}

function renderFlows() {
  fill($('#admin-flows'),
    h('thead', {}, h('tr', {}, ['admin.flow', 'admin.description', 'admin.updated'].map((key) => h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, admin.flows.map((flow) => h('tr', { dataset: { testid: `admin-flow-${flowName(flow)}` } },
      h('td', { class: 'mono' }, flowName(flow)),
      h('td', {}, typeof flow === 'object' ? flow.description ?? '' : ''),
      h('td', {}, typeof flow === 'object' && (flow.updatedAt ?? flow.loadedAt) ? formatTime(flow.updatedAt ?? flow.loadedAt) : '—')))));
}

function wireFlowForm() {
  const text = $('#flow-text');
  const name = $('#flow-name');
  // The name defaults to the file's own `flow:` key.
  const guessName = () => {
    const match = text.value.match(/^flow:\s*["']?([A-Za-z0-9_-]+)/m);
    if (match && !name.dataset.touched) name.value = match[1];
  };
  name.addEventListener('input', () => { name.dataset.touched = 'true'; });
  text.addEventListener('input', guessName);
  $('#flow-file').addEventListener('change', async (event) => {
    const file = event.target.files?.[0];
    if (!file) return;
    text.value = await file.text();
    guessName();
  });
  $('#flow-validate').addEventListener('click', (e) => sendFlow(e.currentTarget, 'POST', '/admin/flows/validate'));
  $('#flow-activate').addEventListener('click', (e) => {
    if (!name.value.trim()) {
      showFieldErrors($('#flow-form'), { code: 'missing-field', field: 'name', message: t('admin.flow-name-needed') });
      name.focus();
      return;
    }
    sendFlow(e.currentTarget, 'PUT', `/admin/flows/${seg(name.value.trim())}`);
  });
}

async function sendFlow(button, method, path) {
  const form = $('#flow-form');
  clearFieldErrors(form);
  clearError();
  const yaml = $('#flow-text').value;
  if (!yaml.trim()) { showFieldErrors(form, { code: 'missing-field', field: 'flow', message: t('admin.flow-empty') }); return; }
  button.disabled = true;
  try {
    await request(method, path, yaml, { contentType: 'application/yaml' });
    showFlowResult(yaml, [], method === 'PUT' ? 'activated' : 'valid');
    if (method === 'PUT') { showNotice(t('admin.flow-activated')); await loadFlows(); }
  } catch (error) {
    const problems = listOf(error.body?.problems);
    if (problems.length) showFlowResult(yaml, problems, 'invalid');
    else { showFieldErrors(form, error); showError(error); $('#flow-result').hidden = true; }
  } finally {
    button.disabled = false;
  }
}

/** The uploaded text, numbered and read-only, with each problem under its line. */
function showFlowResult(yaml, problems, outcome) {
  const box = $('#flow-result');
  const lines = yaml.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const byLine = new Map();
  const loose = [];
  for (const problem of problems) {
    const line = Number(problem.line);
    if (Number.isInteger(line) && line >= 1 && line <= lines.length) byLine.set(line, [...(byLine.get(line) ?? []), problem]);
    else loose.push(problem);
  }
  const where = (p) => (p.line ? t('admin.at-line', { line: p.line, column: p.column ?? 1 }) : '');
  fill(box,
    h('h2', { tabindex: '-1', class: outcome === 'invalid' ? 'bad' : 'ok', dataset: { testid: 'flow-outcome', outcome } },
      outcome === 'invalid' ? t('admin.flow-problems', { count: problems.length }) : t(`admin.flow-${outcome}`)),
    problems.length ? h('ul', { class: 'problem-list', dataset: { testid: 'flow-problems' } }, problems.map((p) => h('li', {},
      p.line && byLine.has(Number(p.line)) ? h('a', { href: `#flow-line-${p.line}` }, where(p)) : where(p), ' ', p.message))) : null,
    h('ol', { class: 'code-view', 'aria-label': t('admin.flow-source') }, lines.map((text, i) => {
      const number = i + 1;
      const here = byLine.get(number) ?? [];
      return h('li', { id: `flow-line-${number}`, class: here.length ? 'has-problem' : '', dataset: { line: String(number) } },
        h('span', { class: 'line-no', 'aria-hidden': 'true' }, String(number)),
        h('code', {}, text || ' '),
        here.map((p) => h('div', { class: 'problem', role: 'note', dataset: { testid: `flow-problem-${number}` } },
          // A caret under the column the problem starts at.
          h('span', { class: 'caret', 'aria-hidden': 'true' }, `${' '.repeat(Math.max(0, (Number(p.column) || 1) - 1))}^`),
          h('span', {}, `${where(p)}: ${p.message}`))));
    })));
  box.hidden = false;
  if (outcome === 'invalid') box.querySelector('h2').focus?.();
}
