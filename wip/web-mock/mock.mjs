// Minimal mock of the contract, for trying the pages in a browser.
import http from 'http'; import fs from 'fs'; import path from 'path'; import crypto from 'crypto';
const WEB = '/work/main/web';
let seq = 100; const sockets = new Set();
const agents = { '1001': { id: '1001', name: '李娜 (Li Na)', state: 'logged-out', since: Date.now() - 60000, phoneRegistered: true, skills: { telecom: 8 } },
  '1002': { id: '1002', name: '王强 (Wang Qiang)', state: 'available', since: Date.now() - 300000, phoneRegistered: true, skills: { cards: 9 } } };
const queues = [{ id: 'cards', names: { 'en-US': 'Card services', 'zh-CN': '银行卡服务' }, waiting: 2, longestWaitSeconds: 41, agentsAvailable: 1, agentsStaffed: 3, entered: 10, answered: 7, abandoned: 1, serviceLevelPercent: 75, averageSpeedOfAnswerSeconds: 12.5 },
  { id: 'telecom', names: { 'en-US': 'Telecom service', 'zh-CN': '电信服务' }, waiting: 0, longestWaitSeconds: 0, agentsAvailable: 1, agentsStaffed: 1, entered: 0, answered: 0, abandoned: 0 }];
const M = (y) => ({ minorUnits: Math.round(y * 100), currency: 'CNY' });
const customer = { id: 'c-demo-004', nameZh: '王芳', nameEn: 'Fang Wang', tags: ['vip'], language: 'zh-CN', phoneNumbers: ['13600136000'], accountNumbers: ['6222020200112233'], createdAt: 0 };
const detail = () => ({ ...customer, accounts: [{ number: '6222020200112233', kind: 'bank', planZh: '储蓄账户', planEn: 'Savings', balance: M(12345.67) }],
  bills: [], cards: [{ number: '6222020200112233445', status: 'active', expires: '2029-08', transactions: [{ at: Date.now() - 86400000, amount: M(-38), merchantZh: '星巴克', merchantEn: 'Starbucks' }, { at: Date.now() - 2 * 86400000, amount: M(8500), merchantZh: '工资', merchantEn: 'Salary' }] }],
  orders: [{ number: '1000012345', status: 'shipped', total: M(299), placedAt: Date.now() - 4 * 86400000, itemsZh: '蓝牙耳机 ×1', itemsEn: 'Bluetooth earphones ×1', parcels: [{ trackingNumber: 'SF1234567890', carrierZh: '顺丰速运', carrierEn: 'SF Express', status: 'in_transit', locationZh: '上海转运中心', locationEn: 'Shanghai hub', estimatedDelivery: '2026-11-03' }] }],
  tickets: [{ number: 'T-1', category: 'broadband', kind: 'fault', status: 'open', createdAt: Date.now() - 3600000, summary: 'No internet' }],
  interactions: [{ id: 'i-0', startedAt: Date.now() - 86400000 * 3, queue: 'cards', agent: '1002', outcome: 'answered', disposition: 'resolved', notes: 'Card unblocked' }] });
const session = { token: 'tok', csrfToken: 'csrf1', expiresAt: '2026-11-25T20:00:00Z' };
const users = { '1001': { username: '1001', name: 'Li Na 李娜', roles: ['agent'], agent: '1001' }, '2001': { username: '2001', name: '张敏', roles: ['supervisor', 'agent'], agent: '2001' }, admin: { username: 'admin', name: 'Admin', roles: ['admin'], agent: null } };
let signedIn = null;
function emit(type, data, subject = '') {
  seq++; const ev = { specversion: '1.0', id: `s1-${seq}`, seq, type, source: '/hotline/n1', subject, time: new Date().toISOString(), datacontenttype: 'application/json', data };
  for (const s of sockets) wsSend(s, JSON.stringify(ev));
}
function wsSend(sock, text) { const b = Buffer.from(text); let h; if (b.length < 126) h = Buffer.from([0x81, b.length]); else if (b.length < 65536) { h = Buffer.alloc(4); h[0] = 0x81; h[1] = 126; h.writeUInt16BE(b.length, 2); } else { h = Buffer.alloc(10); h[0] = 0x81; h[1] = 127; h.writeBigUInt64BE(BigInt(b.length), 2); } sock.write(Buffer.concat([h, b])); }
function setState(id, state, extra = {}) { const a = agents[id]; const prev = a.state; Object.assign(a, { state, since: Date.now(), reason: undefined, interaction: undefined }, extra); emit('agent.state', { agent: id, name: a.name, state, reason: a.reason, interaction: a.interaction, since: new Date(a.since).toISOString(), previous: prev, cause: 'api' }, `agents/${id}`); return a; }
const json = (res, status, body) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(body === undefined ? '' : JSON.stringify(body)); };
const err = (res, status, code, field, message) => json(res, status, { error: { code, field, message } });
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x'); let body = ''; for await (const c of req) body += c;
  const p = url.pathname; const m = req.method;
  if (p.startsWith('/desktop/')) { let f = p.slice(9) || 'index.html'; const file = path.join(WEB, f); if (!fs.existsSync(file)) return err(res, 404, 'not-found'); const type = { js: 'text/javascript', css: 'text/css', html: 'text/html' }[f.split('.').pop()]; res.writeHead(200, { 'Content-Type': type + '; charset=utf-8' }); return res.end(fs.readFileSync(file)); }
  if (!p.startsWith('/api/v1')) return err(res, 404, 'not-found');
  const r = p.slice(7);
  if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(m) && r !== '/sessions' && req.headers['x-csrf-token'] !== 'csrf1') return err(res, 403, 'csrf-mismatch', null, 'send X-CSRF-Token');
  const b = body && (req.headers['content-type'] || '').includes('json') ? JSON.parse(body) : body;
  if (r === '/sessions' && m === 'POST') { const u = users[b.username]; if (!u || b.password !== 'pw') return err(res, 401, 'wrong-credentials', null, 'wrong username or password'); signedIn = u; return json(res, 201, { ...session, user: u }); }
  if (r === '/session' && m === 'GET') return signedIn ? json(res, 200, { ...session, user: signedIn }) : err(res, 401, 'unauthenticated', null, 'sign in');
  if (r === '/session' && m === 'DELETE') { signedIn = null; return json(res, 204); }
  if (!signedIn) return err(res, 401, 'unauthenticated', null, 'sign in');
  if (r === '/reasons') return err(res, 404, 'not-found', null, 'no route');
  if (r === '/dispositions') return json(res, 200, [{ code: 'resolved', labelZh: '已解决', labelEn: 'Resolved' }, { code: 'callback', labelZh: '需回电', labelEn: 'Call back' }]);
  if (r === '/agents') return json(res, 200, Object.values(agents));
  if (r === '/queues') return json(res, 200, queues);
  let mm;
  if ((mm = r.match(/^\/agents\/(\w+)$/))) return json(res, 200, agents[mm[1]]);
  if ((mm = r.match(/^\/agents\/(\w+)\/login$/))) return json(res, 200, setState(mm[1], b.ready ? 'available' : 'not-ready', { reason: b.ready ? undefined : 'login' }));
  if ((mm = r.match(/^\/agents\/(\w+)\/logout$/))) return json(res, 200, setState(mm[1], 'logged-out'));
  if ((mm = r.match(/^\/agents\/(\w+)\/state$/))) return json(res, 200, setState(mm[1], b.state, { reason: b.reason }));
  if ((mm = r.match(/^\/agents\/(\w+)\/stats$/))) return json(res, 200, { answered: 5, talkSeconds: 600, averageHandleSeconds: 150, missed: 1, notReadySeconds: 300, since: '2026-11-25T00:00:00+08:00' });
  if ((mm = r.match(/^\/agents\/(\w+)\/wrap-up$/))) { if (!b.disposition) return err(res, 422, 'disposition-required', 'disposition', "queue 'cards' requires a disposition"); return json(res, 200, setState(mm[1], 'available')); }
  if ((mm = r.match(/^\/agents\/(\w+)\/(hold|resume|hangup|dial|transfer|consult|consult\/complete|consult\/cancel)$/))) { if (mm[2] === 'hangup') { emit('interaction.ended', { interaction: 'i-1', agent: mm[1], outcome: 'answered' }); setState(mm[1], 'wrap-up', { interaction: 'i-1' }); } return json(res, 202, { status: 'ok' }); }
  if (r === '/customers/c-demo-004' && m === 'GET') return json(res, 200, detail());
  if (r === '/customers/c-demo-004' && m === 'PATCH') { Object.assign(customer, b); return json(res, 200, customer); }
  if (r === '/customers' && m === 'GET') return json(res, 200, { items: [customer] });
  if (r === '/customers' && m === 'POST') { if (!b.phoneNumbers?.length) return err(res, 422, 'missing-field', 'phoneNumbers', 'give at least one phone number'); return json(res, 201, { ...b, id: 'c-new', accountNumbers: [] }); }
  if (r === '/admin/flows' && m === 'GET') return json(res, 200, [{ name: 'bank', description: 'Bank line' }, { name: 'telecom' }]);
  if (r === '/admin/flows/validate') return /bad/.test(b) ? json(res, 422, { error: { code: 'invalid-flow', field: null, message: 'the flow has problems' }, problems: [{ line: 2, column: 7, message: "unknown node kind 'bad'" }] }) : json(res, 200, { ok: true });
  if ((mm = r.match(/^\/admin\/agents\/(\w+)$/))) return m === 'GET' ? json(res, 200, { id: mm[1], name: agents[mm[1]].name, roles: ['agent'], skills: agents[mm[1]].skills }) : (b.skills && Object.values(b.skills).some((v) => v > 10) ? err(res, 422, 'invalid-value', 'skills.' + Object.keys(b.skills).find((k) => b.skills[k] > 10), 'proficiency is 1 to 10') : json(res, 200, b));
  if ((mm = r.match(/^\/admin\/queues\/(\w+)$/))) return m === 'GET' ? json(res, 200, { id: mm[1], names: queues[0].names, skills: { cards: 5 }, escalation: [{ afterSeconds: 60, relaxMinimumLevel: 2 }, { afterSeconds: 120, addSkill: { telecom: 7 } }], strategy: 'most-skilled', ringSeconds: 12 }) : json(res, 200, b);
  if ((mm = r.match(/^\/admin\/lines\/(\w+)$/))) return m === 'GET' ? json(res, 200, { number: mm[1], name: 'Bank service line', flow: 'bank' }) : json(res, 200, b);
  return err(res, 404, 'not-found', null, 'no route ' + r);
});
server.on('upgrade', (req, sock) => {
  if (!signedIn) { sock.end('HTTP/1.1 401 Unauthorized\r\n\r\n'); return; }
  const key = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${key}\r\n\r\n`);
  sockets.add(sock); sock.on('close', () => sockets.delete(sock)); sock.on('error', () => sockets.delete(sock)); sock.on('data', () => {});
  wsSend(sock, JSON.stringify({ type: 'stream.ready', seq, data: { replayed: 0 } }));
});
// Test hooks
const ctl = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/offer') { setState('1001', 'reserved', { interaction: 'i-1' });
    emit('interaction.offered', { interaction: 'i-1', agent: '1001', queue: 'cards', kind: 'call', caller: { number: '13600136000' }, dialled: '95500', waitedSeconds: 12,
      customer: u.searchParams.get('unknown') ? null : { id: customer.id, nameZh: customer.nameZh, nameEn: customer.nameEn, tags: customer.tags, language: 'zh-CN', phoneNumbers: customer.phoneNumbers, accountNumbers: customer.accountNumbers },
      ivr: { flow: 'bank', language: 'zh-CN', outcome: 'transferred to cards', verification: 'verified', verificationMethod: 'pin', variables: { card_number: '6222…3445', pin: '****' }, path: [{ node: 'lang', label: 'Language', input: '1', at: new Date().toISOString() }, { node: 'menu', label: 'Main menu', input: '3', at: new Date().toISOString() }], transferReason: 'lost card' } }, 'interactions/i-1');
  }
  if (u.pathname === '/answer') { setState('1001', 'on-call', { interaction: 'i-1' }); emit('interaction.answered', { interaction: 'i-1', agent: '1001', queue: 'cards' }); }
  if (u.pathname === '/stats') emit('queue.stats', { queue: 'cards', name: 'Card services', waiting: 3, longestWaitSeconds: 50, available: 0, staffed: 3, answeredToday: 10, abandonedToday: 1, serviceLevelToday: 0.85, asaSecondsToday: 12.5, agentsByState: { available: 0, 'on-call': 2, 'not-ready': 1 } });
  res.end('ok');
});
server.listen(18080, '127.0.0.1'); ctl.listen(18081, '127.0.0.1');
