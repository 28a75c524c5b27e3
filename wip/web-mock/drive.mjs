import { spawn } from 'child_process'; import fs from 'fs';
const chrome = spawn('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--remote-debugging-port=19222', '--window-size=1280,800', '--lang=en-US', '--user-data-dir=/tmp/web/profile', 'about:blank'], { stdio: 'ignore' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let targets; for (let i = 0; i < 50; i++) { try { targets = await (await fetch('http://127.0.0.1:19222/json')).json(); if (targets.find((t) => t.type === 'page')) break; } catch {} await sleep(200); }
const page = targets.find((t) => t.type === 'page');
const ws = new WebSocket(page.webSocketDebuggerUrl); await new Promise((r) => ws.addEventListener('open', r));
let id = 0; const pending = new Map(); const logs = [];
ws.addEventListener('message', (m) => { const msg = JSON.parse(m.data); if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
  if (msg.method === 'Runtime.consoleAPICalled') logs.push(`console.${msg.params.type}: ${msg.params.args.map((a) => a.value ?? a.description).join(' ')}`);
  if (msg.method === 'Runtime.exceptionThrown') logs.push(`EXCEPTION: ${msg.params.exceptionDetails.exception?.description ?? msg.params.exceptionDetails.text}`);
  if (msg.method === 'Log.entryAdded') logs.push(`log.${msg.params.entry.level}: ${msg.params.entry.text} ${msg.params.entry.url ?? ''}`); });
const send = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
await send('Runtime.enable'); await send('Log.enable'); await send('Page.enable');
await send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false });
const ev = async (expr) => { const r = await send('Runtime.evaluate', { expression: expr, awaitPromise: true, returnByValue: true }); if (r.result.exceptionDetails) throw new Error(expr + ' => ' + JSON.stringify(r.result.exceptionDetails)); return r.result.result.value; };
const shot = async (name, full = false) => { const r = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: full }); fs.writeFileSync(`/tmp/web/${name}.png`, Buffer.from(r.result.data, 'base64')); };
const go = async (url) => { await send('Page.navigate', { url }); await sleep(1200); };
const ctl = (p) => fetch('http://127.0.0.1:18081' + p);
const T = (id) => `document.querySelector('[data-testid="${id}"]')`;
const click = (id) => ev(`${T(id)}.click()`);
const type = (id, v) => ev(`(()=>{const e=${T(id)}; e.value=${JSON.stringify(v)}; e.dispatchEvent(new Event('input',{bubbles:true})); e.dispatchEvent(new Event('change',{bubbles:true}));})()`);
const text = (id) => ev(`${T(id)}?.textContent`);
export { ev, shot, go, ctl, click, type, text, sleep, logs, T };
const script = process.argv[2];
try { const mod = await import(script); await mod.default({ ev, shot, go, ctl, click, type, text, sleep, logs, T }); }
catch (e) { console.log('FAIL', e.message); }
console.log(logs.join('\n'));
chrome.kill();
process.exit(0);
