// The Hotline REST API and event stream, as the browser pages use them.
//
// Signing in gives an HttpOnly session cookie (the browser sends it by itself) and a CSRF
// token, which every unsafe request must echo in `X-CSRF-Token`. The token is kept in
// memory only; `GET /api/v1/session` hands it out again after a page load.

const BASE = '/api/v1';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let csrfToken = null;
let onUnauthenticated = () => {};

/** An error answer from the API: `{"error":{"code","field","message"}}` plus its status. */
export class ApiError extends Error {
  constructor(status, code, field, message, body) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.field = field ?? null;
    this.body = body ?? null; // the whole JSON answer (flow validation adds `problems`)
  }
}

/** Called when an answer says the session is gone (401): the page shows its login form. */
export function setUnauthenticatedHandler(handler) {
  onUnauthenticated = handler;
}

/**
 * One request. `body` is sent as JSON unless `contentType` says otherwise (then it is sent
 * as given). Answers with the parsed JSON (or null for 204 / an empty body); throws ApiError.
 */
export async function request(method, path, body, { contentType, retried = false } = {}) {
  const headers = { Accept: 'application/json' };
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = contentType ?? 'application/json';
    payload = contentType ? body : JSON.stringify(body);
  }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let response;
  try {
    response = await fetch(BASE + path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (cause) {
    throw new ApiError(0, 'network', null, String(cause?.message ?? cause));
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (response.ok) return json;

  const e = json?.error ?? {};
  const error = new ApiError(response.status, e.code ?? `http-${response.status}`, e.field, e.message ?? text, json);
  if (response.status === 429) error.retryAfter = Number(response.headers.get('Retry-After')) || null;
  // A stale CSRF token (say, the session was renewed in another tab): fetch it again, once.
  if (error.code === 'csrf-mismatch' && !retried) {
    await getSession();
    return request(method, path, body, { contentType, retried: true });
  }
  if (response.status === 401 && path !== '/sessions' && path !== '/session') onUnauthenticated(error);
  throw error;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body);
export const put = (path, body) => request('PUT', path, body);
export const patch = (path, body) => request('PATCH', path, body);
export const del = (path) => request('DELETE', path);

/** `encodeURIComponent` for path segments. */
export const seg = encodeURIComponent;

/** The signed-in session (`{user, csrfToken, expiresAt}`), or null when signed out. */
export async function getSession() {
  try {
    const session = await request('GET', '/session');
    csrfToken = session?.csrfToken ?? null;
    return session;
  } catch (error) {
    if (error.status === 401) { csrfToken = null; return null; }
    throw error;
  }
}

export async function signIn(username, password) {
  const session = await request('POST', '/sessions', { username, password });
  csrfToken = session.csrfToken;
  return session;
}

export async function signOut() {
  try { await request('DELETE', '/session'); } finally { csrfToken = null; }
}

/**
 * The WebSocket event stream (`/api/v1/events`), reconnecting by itself.
 *
 * - Events are handed to `onEvent(event)` in order, each once: a reconnect asks for
 *   `after=<last seq seen>` and anything at or below that seq is dropped.
 * - `onResync()` (async) is called when the page must reload its state with REST: on the
 *   first `stream.ready`, on `stream.reset` (the server no longer has what we missed) and
 *   when the server's stream changed (a restart numbers events from 1 again). Events that
 *   arrive while it runs are held and delivered after it, so a REST snapshot is never
 *   overwritten by an older event and no newer one is lost.
 * - `onStatus('connecting'|'live'|'offline')` for the connection indicator.
 */
export class EventStream {
  constructor({ types = [], filters = {}, onEvent, onResync, onStatus = () => {} }) {
    Object.assign(this, { types, filters, onEvent, onResync, onStatus });
    this.lastSeq = null;
    this.streamId = null;
    this.socket = null;
    this.retryDelay = 1000;
    this.stopped = false;
    this.resyncing = null;
    this.held = [];
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
    this.socket = null;
  }

  url() {
    const params = new URLSearchParams();
    if (this.lastSeq !== null) params.set('after', String(this.lastSeq));
    if (this.types.length) params.set('types', this.types.join(','));
    for (const [key, value] of Object.entries(this.filters)) if (value) params.set(key, value);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = params.toString();
    return `${scheme}//${location.host}${BASE}/events${query ? `?${query}` : ''}`;
  }

  connect() {
    if (this.stopped) return;
    this.onStatus('connecting');
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.addEventListener('message', (message) => this.receive(message.data));
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.onStatus('offline');
      this.scheduleReconnect();
    });
    // 'error' is always followed by 'close'; reconnecting is done there.
    socket.addEventListener('error', () => {});
  }

  async scheduleReconnect() {
    if (this.stopped) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, 30000);
    // A little jitter so that many desktops do not come back in the same millisecond.
    this.timer = setTimeout(async () => {
      // A WebSocket upgrade refused for an expired session looks like any other failure:
      // ask the session route, which shows the login form on 401.
      try {
        if (!(await getSession())) { this.stopped = true; onUnauthenticated(new ApiError(401, 'unauthenticated')); return; }
      } catch { /* server unreachable: try the socket anyway */ }
      this.connect();
    }, delay * (0.8 + Math.random() * 0.4));
  }

  receive(text) {
    let event;
    try { event = JSON.parse(text); } catch { return; }
    if (!event || typeof event.type !== 'string') return;

    if (event.type === 'stream.ready') {
      this.retryDelay = 1000;
      this.onStatus('live');
      const seq = Number(event.seq);
      // First connect, or the server's numbering went backwards (it restarted): reload.
      if (this.lastSeq === null || (Number.isFinite(seq) && seq < this.lastSeq)) {
        this.lastSeq = Number.isFinite(seq) ? seq : null;
        this.resync();
      }
      return;
    }
    if (event.type === 'stream.reset') {
      this.lastSeq = null;
      this.resync();
      return;
    }

    // `id` is "<stream>-<seq>" (or "<source>#<seq>"): a new stream id means a new numbering.
    const streamId = typeof event.id === 'string' ? event.id.replace(/[-#]\d+$/, '') : null;
    if (streamId && this.streamId && streamId !== this.streamId) {
      this.lastSeq = null;
      this.resync();
    }
    if (streamId) this.streamId = streamId;

    const seq = Number(event.seq);
    if (Number.isFinite(seq)) {
      if (this.lastSeq !== null && seq <= this.lastSeq) return; // already seen (replay overlap)
      this.lastSeq = seq;
    }
    if (this.resyncing) this.held.push(event);
    else this.deliver(event);
  }

  deliver(event) {
    try { this.onEvent(event); } catch (error) { console.warn('event handler failed', event.type, error); }
  }

  async resync() {
    if (this.resyncing) { this.resyncAgain = true; return; }
    do {
      this.resyncAgain = false;
      this.resyncing = Promise.resolve().then(() => this.onResync?.()).catch((error) => console.warn('resync failed', error));
      await this.resyncing;
    } while (this.resyncAgain);
    this.resyncing = null;
    const held = this.held;
    this.held = [];
    for (const event of held) this.deliver(event);
  }
}
