// The supervisor's wallboard: one tile per queue (from `queue.stats`) and a table of agents
// (from `agent.state`), with force not-ready and force logout. The first picture comes from
// GET /queues and GET /agents; after that only events change it (no polling).

import * as api from './api.js';
import { get, put, post, seg } from './api.js';
import {
  h, fill, $, t, startShell, startTicking, showNotice, act, listOf, toMillis, formatDuration,
  formatPercent, stateLabel, queueName, hasRole, pick,
} from './ui.js';

const STATES = ['available', 'on-call', 'reserved', 'wrap-up', 'not-ready', 'logged-out'];
const FORCE_REASONS = ['supervisor', 'break', 'lunch', 'training', 'meeting'];

const board = {
  queues: new Map(),  // id -> normalized queue (see normalizeQueue)
  agents: new Map(),  // id -> {id, name, state, reason, interaction, since, phoneRegistered}
  rows: new Map(),    // id -> the agent's <tr> (built once, so focus in its controls survives updates)
  reasons: FORCE_REASONS.map((code) => ({ code })),
  stream: null,
};

startTicking();
startShell({
  allowed: (user) => hasRole(user, 'supervisor', 'admin'),
  onSignedIn: start,
  onSignedOut: () => { board.stream?.stop(); board.stream = null; },
  onLanguage: () => { board.rows.clear(); renderAll(); },
});

async function start(session) {
  $('#nav-admin').hidden = !hasRole(session.user, 'admin');
  try {
    const reasons = listOf(await get('/reasons'));
    // "supervisor" first: only supervisors may set it, and it says who did.
    if (reasons.length) board.reasons = [{ code: 'supervisor' }, ...reasons.filter((r) => r.code !== 'supervisor')];
  } catch { /* the built-in reasons */ }

  board.stream?.stop();
  board.stream = new api.EventStream({
    types: ['agent.state', 'queue.stats'],
    onEvent: handleEvent,
    onResync: resync,
    onStatus: (status) => {
      const el = $('#stream-status');
      el.textContent = t(`stream.${status}`);
      el.className = `stream-status ${status}`;
    },
  });
  board.stream.start();
}

async function resync() {
  const [queues, agents] = await Promise.all([get('/queues'), get('/agents')]);
  board.queues = new Map(listOf(queues).map((q) => [q.id, normalizeQueue(q, Date.now())]));
  board.agents = new Map(listOf(agents).map((a) => [a.id, { ...a, since: toMillis(a.since) }]));
  board.rows.clear();
  renderAll();
}

function handleEvent(event) {
  const data = event.data ?? {};
  if (event.type === 'queue.stats') {
    const id = data.queue;
    // Names from REST (both languages) are kept; the figures are the event's.
    board.queues.set(id, { ...board.queues.get(id), ...normalizeQueue({ ...data, id }, Date.now()), names: board.queues.get(id)?.names });
    renderQueues();
  } else if (event.type === 'agent.state') {
    const id = data.agent;
    const known = board.agents.get(id) ?? { id };
    board.agents.set(id, { ...known, name: data.name ?? known.name, state: data.state, reason: data.reason,
      interaction: data.interaction, since: toMillis(data.since ?? event.time) });
    renderAgent(id);
    renderAgentTotals();
  }
}

/**
 * One shape for the two sources. GET /queues counts since start-up (`answered`,
 * `serviceLevelPercent` 0-100, `averageSpeedOfAnswerSeconds`); `queue.stats` counts today
 * (`answeredToday`, `serviceLevelToday` 0-1, `asaSecondsToday`) and adds `agentsByState`.
 */
function normalizeQueue(q, receivedAt) {
  // Today's figures only when the event names them so (the server may send the since-start names).
  const fromEvent = q.answeredToday !== undefined || q.serviceLevelToday !== undefined;
  return {
    id: q.id,
    names: q.names,
    name: q.name,
    waiting: q.waiting ?? 0,
    longestWaitSeconds: q.longestWaitSeconds ?? 0,
    receivedAt,
    available: q.available ?? q.agentsAvailable,
    staffed: q.staffed ?? q.agentsStaffed,
    answered: q.answeredToday ?? q.answered,
    abandoned: q.abandonedToday ?? q.abandoned,
    // null: no call answered or abandoned yet, shown as "—" (not 0 %).
    serviceLevel: q.serviceLevelToday ?? (q.serviceLevelPercent !== undefined && q.serviceLevelPercent !== null ? q.serviceLevelPercent / 100 : undefined),
    asa: q.asaSecondsToday ?? q.averageSpeedOfAnswerSeconds,
    agentsByState: q.agentsByState,
    today: fromEvent,
  };
}

function renderAll() {
  renderQueues();
  const body = $('#agents-body');
  body.replaceChildren();
  [...board.agents.keys()].sort().forEach(renderAgent);
  renderAgentTotals();
}

function renderQueues() {
  const queues = [...board.queues.values()].sort((a, b) => a.id.localeCompare(b.id));
  const waiting = queues.reduce((sum, q) => sum + (q.waiting || 0), 0);
  $('#queue-totals').textContent = t('supervisor.total-waiting', { count: waiting });
  fill($('#queue-tiles'), queues.map(queueTile));
}

function queueTile(q) {
  const longest = q.waiting > 0
    // The longest wait grows while callers wait: counted on from when the figure came.
    ? h('dd', { dataset: { testid: `queue-${q.id}-longest`, countFrom: String(q.receivedAt), base: String(q.longestWaitSeconds) } }, formatDuration(q.longestWaitSeconds))
    : h('dd', { dataset: { testid: `queue-${q.id}-longest` } }, formatDuration(0));
  const slTarget = q.serviceLevel !== undefined && q.serviceLevel < 0.8 ? 'warn' : '';
  return h('article', { class: `card tile ${q.waiting > 0 ? 'busy' : ''}`, dataset: { testid: `queue-${q.id}` }, 'aria-labelledby': `queue-${q.id}-name` },
    h('header', {},
      h('h2', { id: `queue-${q.id}-name` }, queueName(q)),
      h('span', { class: 'muted' }, q.id)),
    h('div', { class: 'tile-main' },
      h('div', { class: 'big-figure' },
        h('span', { class: 'big', dataset: { testid: `queue-${q.id}-waiting` } }, String(q.waiting)),
        h('span', { class: 'muted' }, t('queue.waiting'))),
      h('dl', { class: 'tile-facts' },
        h('div', {}, h('dt', {}, t('queue.longest')), longest),
        h('div', {}, h('dt', {}, t(q.today ? 'queue.sl-today' : 'queue.sl')),
          h('dd', { class: slTarget, dataset: { testid: `queue-${q.id}-sl` } }, formatPercent(q.serviceLevel))),
        h('div', {}, h('dt', {}, t(q.today ? 'queue.asa-today' : 'queue.asa')),
          h('dd', { dataset: { testid: `queue-${q.id}-asa` } }, q.asa !== undefined && q.asa !== null ? `${Number(q.asa).toFixed(1)} s` : '—')),
        h('div', {}, h('dt', {}, t(q.today ? 'queue.answered-today' : 'queue.answered')), h('dd', {}, String(q.answered ?? '—'))),
        h('div', {}, h('dt', {}, t(q.today ? 'queue.abandoned-today' : 'queue.abandoned')),
          h('dd', { dataset: { testid: `queue-${q.id}-abandoned` } }, String(q.abandoned ?? '—'))),
        h('div', {}, h('dt', {}, t('queue.staffed')), h('dd', {}, `${q.available ?? '—'} / ${q.staffed ?? '—'}`)))),
    h('ul', { class: 'by-state', 'aria-label': t('queue.agents-by-state') },
      q.agentsByState
        ? STATES.filter((s) => q.agentsByState[s]).map((s) => h('li', { class: `state-chip state-${s}` }, `${stateLabel(s)} ${q.agentsByState[s]}`))
        : h('li', { class: 'muted' }, t('queue.by-state-pending'))));
}

function renderAgentTotals() {
  const counts = {};
  for (const agent of board.agents.values()) counts[agent.state] = (counts[agent.state] ?? 0) + 1;
  $('#agent-totals').textContent = STATES.filter((s) => counts[s]).map((s) => `${stateLabel(s)} ${counts[s]}`).join(' · ');
}

/** Update (or first build) one agent's row. */
function renderAgent(id) {
  const agent = board.agents.get(id);
  let row = board.rows.get(id);
  if (!row) {
    row = buildRow(agent);
    board.rows.set(id, row);
    // Keep the table in id order.
    const body = $('#agents-body');
    const after = [...body.children].find((r) => r.dataset.agent > id);
    body.insertBefore(row, after ?? null);
  }
  const cells = row.cells;
  const state = cells[1].firstChild;
  state.textContent = stateLabel(agent.state);
  state.className = `state-badge state-${agent.state}`;
  state.dataset.state = agent.state;
  cells[2].textContent = agent.state === 'not-ready' && agent.reason ? reasonLabel(agent.reason) : '';
  cells[3].dataset.since = String(agent.since ?? '');
  cells[3].textContent = agent.since ? formatDuration((Date.now() - agent.since) / 1000) : '—';
  cells[4].textContent = agent.interaction ?? '';
  cells[5].textContent = agent.phoneRegistered === undefined ? '—' : t(agent.phoneRegistered ? 'supervisor.registered' : 'supervisor.unregistered');
  const logout = row.querySelector('[data-role="logout"]');
  logout.disabled = agent.state === 'logged-out';
}

function buildRow(agent) {
  const id = agent.id;
  const reason = h('select', { id: `force-reason-${id}`, dataset: { testid: `agent-${id}-reason` } },
    board.reasons.map((r) => h('option', { value: r.code }, reasonLabel(r.code))));
  const notReady = h('button', { type: 'button', class: 'small', dataset: { testid: `agent-${id}-not-ready` } }, t('supervisor.force-not-ready'));
  notReady.addEventListener('click', () => act(notReady, async () => {
    await put(`/agents/${seg(id)}/state`, { state: 'not-ready', reason: reason.value });
    showNotice(t('supervisor.done-not-ready', { agent: board.agents.get(id)?.name ?? id }));
  }).catch(() => {}));

  // Logging someone out ends their call: a second click confirms (no modal dialog).
  const logout = h('button', { type: 'button', class: 'small danger', dataset: { testid: `agent-${id}-logout`, role: 'logout' } }, t('supervisor.force-logout'));
  let armed = null;
  logout.addEventListener('click', () => {
    if (!armed) {
      logout.textContent = t('supervisor.confirm-logout');
      logout.dataset.armed = 'true';
      armed = setTimeout(() => { armed = null; logout.textContent = t('supervisor.force-logout'); delete logout.dataset.armed; }, 5000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    logout.textContent = t('supervisor.force-logout');
    delete logout.dataset.armed;
    act(logout, async () => {
      await post(`/agents/${seg(id)}/logout`, { force: true });
      showNotice(t('supervisor.done-logout', { agent: board.agents.get(id)?.name ?? id }));
    }).catch(() => {});
  });

  return h('tr', { dataset: { testid: `agent-${id}`, agent: id } },
    h('th', { scope: 'row' }, h('span', { class: 'agent-name' }, agent.name ?? id), h('span', { class: 'muted' }, ` ${id}`)),
    h('td', {}, h('span', { class: 'state-badge', dataset: { testid: `agent-${id}-state` } })),
    h('td', { dataset: { testid: `agent-${id}-reason-text` } }),
    h('td', { class: 'num', dataset: { testid: `agent-${id}-time` } }),
    h('td', { class: 'mono', dataset: { testid: `agent-${id}-interaction` } }),
    h('td', {}),
    h('td', { class: 'actions' },
      h('label', { for: reason.id, class: 'sr-only' }, t('supervisor.reason')), reason, notReady, logout));
}

function reasonLabel(code) {
  const known = board.reasons.find((r) => r.code === code);
  return (known && pick(known, 'label')) || t(`reason.${code}`, {}, code);
}
