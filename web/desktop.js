// The agent desktop: state, the screen pop, call controls, wrap-up and click-to-dial.
//
// The left column is about the caller (the pop: who they are, what the IVR learnt, their
// accounts and history); the right column is what the agent does. State comes from REST
// once (and again after a stream reset) and from `agent.state` events after that.

import * as api from './api.js';
import { get, post, put, seg } from './api.js';
import {
  h, fill, $, byTestId, t, lang, startShell, startTicking, showError, showNotice, act,
  showFieldErrors, clearFieldErrors, formatTime, formatDuration, toMillis, stateLabel, queueName, pick, hasRole, listOf,
} from './ui.js';
import { customerSearch, customerWorkspace, customerHeader, loadCustomerDetail } from './customer.js';

const BUILT_IN_REASONS = ['break', 'lunch', 'training', 'meeting'].map((code) => ({ code }));
const CALL_STATES = new Set(['reserved', 'on-call', 'wrap-up']);

const desk = {
  user: null,
  agentId: null,
  agent: null,          // AgentStatus, kept current by agent.state events
  reasons: BUILT_IN_REASONS,
  dispositions: [],
  queues: new Map(),    // id -> {queue, names, waiting, longestWaitSeconds, at}
  agents: [],           // transfer targets the API lets us see
  call: null,           // the interaction on screen: {id, offer, phase, held, consulting, customer, detail}
  lookup: null,         // a customer opened from the idle search: {customer, detail}
  stream: null,
};

startTicking();
startShell({
  allowed: (user) => Boolean(user?.agent),
  onSignedIn: start,
  onSignedOut: stop,
  beforeSignOut: leaveRouting,
  onLanguage: renderAll,
});

async function start(session) {
  desk.user = session.user;
  desk.agentId = session.user.agent;
  $('#nav-supervisor').hidden = !hasRole(session.user, 'supervisor', 'admin');
  $('#nav-admin').hidden = !hasRole(session.user, 'admin');
  wireControls();

  // Reference lists: a missing one is not fatal (reasons fall back to the built-ins).
  const [reasons, dispositions] = await Promise.allSettled([get('/reasons'), get('/dispositions')]);
  if (reasons.status === 'fulfilled') {
    const list = listOf(reasons.value);
    if (list.length) desk.reasons = list.map((r) => (typeof r === 'string' ? { code: r } : r));
  }
  if (dispositions.status === 'fulfilled') desk.dispositions = listOf(dispositions.value);

  // Routing: a signed-in agent who is logged out of routing is logged in (not ready).
  let agent = await get(`/agents/${seg(desk.agentId)}`);
  if (agent.state === 'logged-out') agent = await post(`/agents/${seg(desk.agentId)}/login`, { ready: false });
  setAgent(agent);

  desk.stream?.stop();
  desk.stream = new api.EventStream({
    types: ['agent.state', 'interaction.offered', 'interaction.answered', 'interaction.ended', 'queue.stats'],
    onEvent: handleEvent,
    onResync: resync,
    onStatus: renderStreamStatus,
  });
  desk.stream.start();
  renderAll();
}

function stop() {
  desk.stream?.stop();
  desk.stream = null;
  desk.call = null;
  desk.lookup = null;
  $('#state-box').hidden = true;
  renderStreamStatus('');
}

/** Signing out of the web also logs out of routing, so no call is offered to a closed desktop. */
async function leaveRouting() {
  if (!desk.agentId || !desk.agent || desk.agent.state === 'logged-out') return;
  await post(`/agents/${seg(desk.agentId)}/logout`, {});
}

/** After (re)connecting or a stream reset: everything the events would have told us. */
async function resync() {
  const [agent, queues, agents] = await Promise.all([
    get(`/agents/${seg(desk.agentId)}`),
    get('/queues'),
    get('/agents').catch(() => []),
  ]);
  setAgent(agent);
  desk.queues = new Map(listOf(queues).map((q) => [q.id, normalizeQueue(q)]));
  desk.agents = listOf(agents).filter((a) => a.id !== desk.agentId);
  // A page loaded in the middle of a call gets its pop back from the interaction record.
  if (agent.interaction && CALL_STATES.has(agent.state) && desk.call?.id !== agent.interaction) {
    await recoverInteraction(agent.interaction);
  }
  refreshStats();
  renderAll();
}

// ---- events ----

function handleEvent(event) {
  const data = event.data ?? {};
  switch (event.type) {
    case 'agent.state':
      if (data.agent !== desk.agentId) return;
      setAgent({ ...desk.agent, id: data.agent, name: data.name ?? desk.agent?.name, state: data.state,
        reason: data.reason, interaction: data.interaction, since: data.since ?? event.time });
      // On the call: the pop's phase follows the state too (interaction.answered may come later, or not at all).
      if (data.state === 'on-call' && desk.call?.id === data.interaction && desk.call.phase === 'ringing') {
        desk.call.phase = 'connected';
        renderPopHead();
      }
      refreshStats();
      renderState();
      renderCall();
      break;
    case 'interaction.offered':
      if (data.agent && data.agent !== desk.agentId) return;
      openPop(data);
      break;
    case 'interaction.answered':
      if (desk.call?.id === data.interaction) { desk.call.phase = 'connected'; renderPopHead(); renderCall(); }
      break;
    case 'interaction.ended':
      if (desk.call?.id === data.interaction) {
        desk.call.phase = 'ended';
        desk.call.outcome = data.outcome;
        desk.call.held = false;
        desk.call.consulting = null;
        renderPopHead();
        renderCall();
      }
      break;
    case 'queue.stats':
      desk.queues.set(data.queue, { ...desk.queues.get(data.queue), ...normalizeQueue({ ...data, id: data.queue }) });
      renderQueues();
      break;
    default:
      break;
  }
}

function setAgent(agent) {
  desk.agent = agent;
  // The not-ready reason select follows the server's reason, when it is one of ours.
  renderState();
}

// ---- the screen pop ----

function openPop(offer) {
  desk.call = { id: offer.interaction, offer, phase: 'ringing', held: false, consulting: null,
    customer: offer.customer ?? null, detail: null, detailError: null };
  desk.lookup = null;
  renderAll();
  // Bring the agent's eye (and a screen reader's) to the new call.
  $('#pop').focus({ preventScroll: false });
  if (offer.customer?.id) loadCallCustomer(offer.customer.id);
}

async function loadCallCustomer(id) {
  const call = desk.call;
  try {
    const detail = await loadCustomerDetail(id);
    if (desk.call !== call) return; // another call came meanwhile
    call.detail = detail;
    call.customer = { ...call.customer, ...detail };
  } catch (error) {
    if (desk.call !== call) return;
    call.detailError = error;
    showError(error);
  }
  renderPop();
}

/** Rebuild a pop from `GET /interactions/{id}` (the page was reloaded during a call). */
async function recoverInteraction(id) {
  try {
    const record = await get(`/interactions/${seg(id)}`);
    const segments = listOf(record.segments);
    const last = segments[segments.length - 1] ?? {};
    const transfers = listOf(record.transfers);
    openPop({
      interaction: record.id ?? id,
      agent: desk.agentId,
      queue: record.queue ?? last.queue,
      kind: record.kind ?? 'call',
      caller: typeof record.caller === 'string' ? { number: record.caller } : record.caller ?? { number: record.from },
      dialled: record.dialled ?? record.to,
      customer: record.customer ?? null,
      ivr: record.ivr ?? null,
      note: transfers.length ? transfers[transfers.length - 1].note : undefined,
    });
    desk.call.phase = desk.agent?.state === 'reserved' ? 'ringing' : 'connected';
    renderPopHead();
  } catch (error) {
    showError(error);
  }
}

function renderPop() {
  const pop = $('#pop');
  const call = desk.call;
  $('#idle').hidden = Boolean(call) || Boolean(desk.lookup);
  $('#lookup').hidden = Boolean(call) || !desk.lookup;
  if (!call) { pop.hidden = true; pop.replaceChildren(); renderLookup(); return; }
  $('#lookup').replaceChildren();
  pop.hidden = false;
  pop.tabIndex = -1;
  const callerNumber = call.offer.caller?.number ?? '';
  fill(pop,
    h('header', { id: 'pop-head', class: 'card pop-head' }),
    h('div', { class: 'pop-grid' },
      renderCustomerBlock(call, callerNumber),
      renderIvr(call.offer.ivr)),
    call.customer?.id
      ? customerWorkspace(call.customer, call.detail, workspaceOptions(true, (updated) => {
        call.customer = { ...call.customer, ...updated };
        if (call.detail) call.detail = { ...call.detail, ...updated };
        renderPop();
      }))
      : null);
  renderPopHead();
}

/** The pop's first line alone: answered/ended events redraw it without touching any form below. */
function renderPopHead() {
  const head = $('#pop-head');
  const call = desk.call;
  if (!head || !call) return;
  const offer = call.offer;
  head.className = `card pop-head phase-${call.phase}`;
  fill(head,
    h('div', { class: 'pop-head-main' },
      h('span', { class: `badge kind-${offer.kind ?? 'call'}` }, t(`kind.${offer.kind ?? 'call'}`, {}, offer.kind)),
      h('span', { class: 'pop-caller', dataset: { testid: 'pop-caller' } }, offer.caller?.number || t('pop.no-number')),
      offer.caller?.name ? h('span', { class: 'muted' }, offer.caller.name) : null,
      h('span', { class: `badge phase phase-${call.phase}`, dataset: { testid: 'pop-phase', phase: call.phase } }, t(`phase.${call.phase}`)),
      call.phase === 'ended'
        ? h('button', { type: 'button', class: 'ghost small push-right', onclick: closePop, dataset: { testid: 'pop-close' } }, t('pop.close'))
        : null),
    h('dl', { class: 'pop-facts' },
      fact(t('pop.queue'), queueName(desk.queues.get(offer.queue)) || offer.queue || '—'),
      fact(t('pop.dialled'), offer.dialled || '—'),
      fact(t('pop.waited'), offer.waitedSeconds !== undefined ? formatDuration(offer.waitedSeconds) : '—'),
      fact(t('pop.interaction'), call.id)),
    offer.note ? h('p', { class: 'transfer-note' }, h('strong', {}, `${t('pop.transfer-note')}: `), offer.note) : null);
}

function renderCustomerBlock(call, callerNumber) {
  if (call.customer) {
    return h('section', { class: 'card pop-customer', 'aria-label': t('pop.customer') },
      customerHeader(call.customer, { testids: true }),
      // An attached customer who does not have this number yet: offer to save it.
      callerNumber && !(call.customer.phoneNumbers ?? []).includes(callerNumber) && call.customer.id
        ? h('button', { type: 'button', class: 'small', dataset: { testid: 'save-caller-number' }, onclick: (e) => saveCallerNumber(e.currentTarget, call, callerNumber) },
          t('pop.save-number', { number: callerNumber }))
        : null);
  }
  // Unknown caller: find them, or create them.
  return h('section', { class: 'card pop-customer unknown', 'aria-label': t('pop.customer') },
    h('h2', { dataset: { testid: 'pop-customer-name' } }, t('pop.unknown-caller')),
    customerSearch({
      initial: callerNumber,
      actionLabel: t('search.attach'),
      onPick: (customer) => attachCustomer(call, customer),
      createDefaults: { phoneNumbers: callerNumber ? [callerNumber] : [], language: call.offer.ivr?.language },
      onCreated: (customer) => attachCustomer(call, customer),
    }));
}

// The caller is this customer: shown at once, and named on the interaction (so the
// call joins their history); a refusal is shown and the pop keeps the customer.
async function attachCustomer(call, customer) {
  call.customer = customer;
  renderPop();
  loadCallCustomer(customer.id);
  try {
    await put(`/interactions/${seg(call.id)}/customer`, { customer: customer.id });
  } catch (error) {
    showError(error);
  }
}

async function saveCallerNumber(button, call, number) {
  const phoneNumbers = [...(call.customer.phoneNumbers ?? []), number];
  const updated = await act(button, () => api.patch(`/customers/${seg(call.customer.id)}`, { phoneNumbers }));
  call.customer = { ...call.customer, ...updated };
  showNotice(t('pop.number-saved', { number }));
  renderPop();
}

function renderIvr(ivr) {
  const box = h('section', { class: 'card pop-ivr', 'aria-label': t('ivr.title') }, h('h2', {}, t('ivr.title')));
  if (!ivr) { box.append(h('p', { class: 'muted' }, t('ivr.none'))); return box; }
  const verified = ivr.verification === 'verified';
  box.append(
    h('p', { class: `verification ${verified ? 'ok' : ivr.verification === 'locked' ? 'bad' : 'warn'}`, dataset: { testid: 'pop-verification' } },
      verificationText(ivr)),
    h('dl', { class: 'pop-facts' },
      fact(t('ivr.flow'), ivr.flow || '—'),
      fact(t('ivr.language'), t(`language.${ivr.language}`, {}, ivr.language || '—')),
      fact(t('ivr.outcome'), ivr.outcome || '—'),
      ivr.transferReason ? fact(t('ivr.transfer-reason'), ivr.transferReason) : null));

  const variables = Object.entries(ivr.variables ?? {});
  if (variables.length) {
    box.append(h('h3', {}, t('ivr.variables')),
      h('dl', { class: 'ivr-variables', dataset: { testid: 'pop-variables' } },
        variables.map(([key, value]) => fact(key, typeof value === 'object' ? JSON.stringify(value) : String(value)))));
  }
  const path = ivr.path ?? [];
  if (path.length) {
    box.append(h('h3', {}, t('ivr.path')),
      h('ol', { class: 'ivr-path', dataset: { testid: 'pop-path' } }, path.map((step) =>
        h('li', {},
          h('span', { class: 'step-node' }, step.label || step.node),
          step.input !== undefined && step.input !== null && step.input !== ''
            ? h('span', { class: 'step-input', title: t('ivr.choice') }, step.input) : null,
          step.at ? h('time', { class: 'muted', datetime: step.at }, formatTime(step.at)) : null))));
  }
  return box;
}

/** "Verified by PIN / 已通过密码验证" and friends; anything but `verified` is not verified. */
function verificationText(ivr) {
  if (ivr.verification === 'verified') {
    const method = ivr.verificationMethod;
    return method ? t(`verify.by.${method}`, {}, null) ?? t('verify.by-other', { method }) : t('verify.verified');
  }
  if (ivr.verification === 'locked') return t('verify.locked');
  return t('verify.not-verified');
}

function closePop() {
  desk.call = null;
  renderAll();
}

// ---- the idle side: look a customer up (to call them back, say) ----

function renderLookup() {
  // Built once per language (it holds what the agent typed, so it is not redrawn on every event).
  const idleSearch = $('#idle-search');
  if (idleSearch.dataset.lang !== lang()) {
    idleSearch.dataset.lang = lang();
    fill(idleSearch, customerSearch({
      actionLabel: t('search.open'),
      onPick: openLookup,
      onCreated: openLookup,
    }));
  }
  const box = $('#lookup');
  if (!desk.lookup) { box.replaceChildren(); return; }
  const { customer, detail } = desk.lookup;
  fill(box,
    h('div', { class: 'card lookup-head' },
      customerHeader(customer, { testids: false }),
      h('button', { type: 'button', class: 'ghost small', onclick: () => { desk.lookup = null; renderPop(); } }, t('pop.close'))),
    customerWorkspace(customer, detail, workspaceOptions(false, (updated) => {
      desk.lookup.customer = { ...desk.lookup.customer, ...updated };
      renderPop();
    })));
}

async function openLookup(customer) {
  desk.lookup = { customer, detail: null };
  renderPop();
  try {
    const detail = await loadCustomerDetail(customer.id);
    if (desk.lookup?.customer.id !== customer.id) return;
    desk.lookup = { customer: { ...customer, ...detail }, detail };
  } catch (error) {
    showError(error);
  }
  renderPop();
}

/** `testids`: only the pop carries the pop-* test ids (a looked-up customer is not a pop). */
function workspaceOptions(testids, onUpdated) {
  return {
    testids,
    dispositions: desk.dispositions,
    onDial: (number) => dial(number),
    onUpdated,
  };
}

// ---- the right column ----

function wireControls() {
  if (wireControls.done) return;
  wireControls.done = true;
  const id = () => seg(desk.agentId);

  byTestId('state-available').addEventListener('click', (e) =>
    act(e.currentTarget, async () => setAgent(await put(`/agents/${id()}/state`, { state: 'available' }))).catch(() => {}));

  const reasonSelect = $('#reason-select');
  reasonSelect.addEventListener('change', () => { $('#reason-custom-field').hidden = reasonSelect.value !== '__custom'; });
  $('#not-ready-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    clearFieldErrors(form);
    const reason = reasonSelect.value === '__custom' ? $('#reason-custom').value.trim() : reasonSelect.value;
    try {
      await act(byTestId('state-not-ready'), async () => setAgent(await put(`/agents/${id()}/state`, { state: 'not-ready', reason })));
    } catch (error) {
      showFieldErrors(form, error);
    }
  });

  // Call commands: 202 answers; the state events tell the rest.
  const command = (testid, path, after) => byTestId(testid).addEventListener('click', (e) =>
    act(e.currentTarget, async () => { await post(`/agents/${id()}/${path}`); after?.(); renderCall(); }).catch(() => {}));
  command('call-hold', 'hold', () => { if (desk.call) desk.call.held = true; });
  command('call-resume', 'resume', () => { if (desk.call) desk.call.held = false; });
  command('call-hangup', 'hangup');
  command('consult-complete', 'consult/complete', () => { if (desk.call) desk.call.consulting = null; });
  command('consult-cancel', 'consult/cancel', () => { if (desk.call) desk.call.consulting = null; });

  const target = byTestId('transfer-target');
  target.addEventListener('change', renderTransferOther);
  byTestId('transfer-blind').addEventListener('click', (e) => transfer(e.currentTarget, 'transfer'));
  byTestId('transfer-consult').addEventListener('click', (e) => transfer(e.currentTarget, 'consult'));
  $('#transfer-form').addEventListener('submit', (e) => e.preventDefault());

  $('#wrapup-form').addEventListener('submit', submitWrapUp);
  $('#dial-form').addEventListener('submit', (event) => {
    event.preventDefault();
    dial(byTestId('dial-number').value.trim(), byTestId('dial-submit'));
  });
}

/** The target select's value is "queue:<id>", "agent:<id>", or "agent:"/"number:" with the text box. */
function transferTarget() {
  const value = byTestId('transfer-target').value;
  const [kind, id] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
  const typed = byTestId('transfer-other').value.trim();
  return { kind, id: id || typed };
}

async function transfer(button, mode) {
  const form = $('#transfer-form');
  clearFieldErrors(form);
  const { kind, id } = transferTarget();
  if (!kind || !id) { showError(t('call.choose-target')); return; }
  const body = { [kind]: id };
  const note = byTestId('transfer-note').value.trim();
  if (note) body.note = note;
  try {
    await act(button, () => post(`/agents/${seg(desk.agentId)}/${mode}`, body));
    if (mode === 'consult' && desk.call) desk.call.consulting = `${kind === 'agent' ? t('call.agent') : t('call.number')} ${id}`;
    byTestId('transfer-note').value = '';
    showNotice(mode === 'consult' ? t('call.consulting-started') : t('call.transferred'));
    renderCall();
  } catch (error) {
    showFieldErrors(form, error);
  }
}

async function submitWrapUp(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearFieldErrors(form);
  const body = {};
  const disposition = byTestId('disposition').value;
  const notes = byTestId('notes').value.trim();
  if (disposition) body.disposition = disposition;
  if (notes) body.notes = notes;
  try {
    const agent = await act(byTestId('wrapup-submit'), () => post(`/agents/${seg(desk.agentId)}/wrap-up`, body));
    form.reset();
    setAgent(agent);
    showNotice(t('wrapup.done'));
    // The call is finished: its pop goes; the next offer opens a new one.
    if (desk.call && !CALL_STATES.has(agent.state)) desk.call = null;
    renderAll();
  } catch (error) {
    // e.g. 422 disposition-required: shown under the disposition select.
    showFieldErrors(form, error);
    if (error.code === 'disposition-required') byTestId('disposition').focus();
  }
}

async function dial(number, button) {
  const form = $('#dial-form');
  clearFieldErrors(form);
  if (!number) { showError(t('dial.empty')); return; }
  byTestId('dial-number').value = number;
  try {
    await act(button ?? byTestId('dial-submit'), () => post(`/agents/${seg(desk.agentId)}/dial`, { number }));
    showNotice(t('dial.ringing', { number }));
  } catch (error) {
    showFieldErrors(form, error);
  }
}

let statsTimer;
/** Today's figures, fetched again shortly after each state change (several come together). */
function refreshStats() {
  clearTimeout(statsTimer);
  statsTimer = setTimeout(async () => {
    try {
      desk.stats = await get(`/agents/${seg(desk.agentId)}/stats`);
      renderStats();
    } catch (error) {
      if (error.status !== 401) console.warn('stats', error.code);
    }
  }, 300);
}

// ---- rendering the right column ----

function renderAll() {
  renderState();
  renderCall();
  renderPop();
  renderStats();
  renderQueues();
}

function renderState() {
  const agent = desk.agent;
  $('#state-box').hidden = !agent;
  if (!agent) return;
  const stateEl = byTestId('state');
  stateEl.textContent = stateLabel(agent.state);
  stateEl.dataset.state = agent.state;
  stateEl.className = `state-badge state-${agent.state}`;
  $('#state-reason').textContent = agent.state === 'not-ready' && agent.reason ? reasonLabel(agent.reason) : '';
  // The clock ticks once a second: show the new state's time at once, not the old one's until the tick.
  const since = toMillis(agent.since);
  const timer = $('#state-timer');
  timer.dataset.since = String(since ?? '');
  timer.textContent = since ? formatDuration((Date.now() - since) / 1000) : '—';

  // Reason choices: the server's list (or the built-ins) and a free one.
  const select = $('#reason-select');
  const chosen = select.value;
  fill(select,
    desk.reasons.map((r) => h('option', { value: r.code }, reasonLabel(r.code))),
    h('option', { value: '__custom' }, t('reason.custom')));
  if (chosen) select.value = chosen;
  $('#reason-custom-field').hidden = select.value !== '__custom';
  byTestId('state-available').disabled = agent.state === 'available';

  // Wrap-up: the form appears with the state.
  const wrapUp = agent.state === 'wrap-up';
  const card = $('#wrapup-card');
  if (wrapUp && card.hidden) {
    const disposition = byTestId('disposition');
    const current = disposition.value;
    fill(disposition, h('option', { value: '' }, t('wrapup.no-disposition')),
      desk.dispositions.map((d) => h('option', { value: d.code }, pick(d, 'label') || d.code)));
    disposition.value = current;
  }
  card.hidden = !wrapUp;
  if (!wrapUp) clearFieldErrors($('#wrapup-form'));
}

function reasonLabel(code) {
  const known = desk.reasons.find((r) => r.code === code);
  return (known && pick(known, 'label')) || t(`reason.${code}`, {}, code);
}

function renderCall() {
  const state = desk.agent?.state;
  const onCall = state === 'on-call' || state === 'reserved';
  $('#call-card').hidden = !onCall;
  if (!onCall) return;
  const call = desk.call;
  const status = [];
  if (state === 'reserved') status.push(t('call.ringing'));
  else status.push(t('call.connected'));
  if (call?.held) status.push(t('call.on-hold'));
  if (call?.consulting) status.push(t('call.consulting', { target: call.consulting }));
  $('#call-status').textContent = status.join(' · ');
  byTestId('call-hold').disabled = Boolean(call?.held);
  byTestId('call-resume').disabled = call ? !call.held : false;
  // Complete/cancel stay usable (a reloaded page does not know of a consultation); highlighted while one is known.
  byTestId('consult-complete').classList.toggle('primary', Boolean(call?.consulting));

  // Transfer targets: queues, then the agents we may see, then free entry.
  const select = byTestId('transfer-target');
  const chosen = select.value;
  fill(select,
    h('option', { value: '' }, t('call.choose-target')),
    h('optgroup', { label: t('call.queues') },
      [...desk.queues.values()].map((q) => h('option', { value: `queue:${q.id}` }, `${queueName(q)} (${q.waiting ?? 0} ${t('queue.waiting-short')})`))),
    h('optgroup', { label: t('call.agents') },
      desk.agents.map((a) => h('option', { value: `agent:${a.id}`, disabled: a.state !== 'available' },
        `${a.name || a.id} · ${a.id} · ${stateLabel(a.state)}`)),
      h('option', { value: 'agent:' }, t('call.other-agent'))),
    h('option', { value: 'number:' }, t('call.external-number')));
  select.value = chosen;
  renderTransferOther();
}

function renderTransferOther() {
  const value = byTestId('transfer-target').value;
  const free = value === 'agent:' || value === 'number:';
  $('#transfer-other-field').hidden = !free;
  $('#transfer-other-field').dataset.field = value === 'number:' ? 'number' : 'agent';
  $('#transfer-other-label').textContent = value === 'number:' ? t('call.number') : t('call.agent-id');
  // A queue is not a consultation target (the API answers 422).
  byTestId('transfer-consult').disabled = value.startsWith('queue:');
}

function renderStats() {
  const s = desk.stats;
  const row = (key, value, testid) => [h('dt', {}, t(key)), h('dd', { dataset: { testid } }, value)];
  fill($('#stats'),
    row('stats.answered', s ? String(s.answered ?? 0) : '—', 'stats-answered'),
    row('stats.talk', s ? formatDuration(s.talkSeconds) : '—', 'stats-talk'),
    row('stats.aht', s ? formatDuration(s.averageHandleSeconds) : '—', 'stats-aht'),
    row('stats.missed', s ? String(s.missed ?? 0) : '—', 'stats-missed'),
    row('stats.not-ready', s ? formatDuration(s.notReadySeconds) : '—', 'stats-not-ready'));
}

function renderQueues() {
  const strip = $('#queue-strip');
  const queues = [...desk.queues.values()];
  if (!queues.length) { fill(strip, h('li', { class: 'muted' }, '—')); return; }
  fill(strip, queues.map((q) => h('li', { class: q.waiting > 0 ? 'busy' : '' },
    h('span', {}, queueName(q)),
    h('strong', { 'aria-label': t('queue.waiting') }, String(q.waiting ?? 0)))));
}

function renderStreamStatus(status) {
  const el = $('#stream-status');
  el.textContent = status ? t(`stream.${status}`) : '';
  el.className = `stream-status ${status}`;
}

// ---- helpers ----

function fact(label, value) {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, value));
}

function normalizeQueue(q) {
  return { id: q.id ?? q.queue, names: q.names, name: q.name, waiting: q.waiting, longestWaitSeconds: q.longestWaitSeconds };
}
