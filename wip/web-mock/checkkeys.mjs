import { MESSAGES } from '/work/main/web/i18n.js';
import fs from 'fs';
const files = fs.readdirSync('/work/main/web').filter(f => /\.(js|html)$/.test(f));
const used = new Set();
for (const f of files) {
  const s = fs.readFileSync('/work/main/web/' + f, 'utf8');
  for (const m of s.matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)) used.add(m[1]);
  for (const m of s.matchAll(/\bt\(\s*'([^']+)'/g)) used.add(m[1]);
  for (const m of s.matchAll(/(?:key|label): '([a-z]+\.[a-z.-]+)'/g)) used.add(m[1]);
  for (const m of s.matchAll(/'((?:customer|admin|stats|wrapup|queue|supervisor)\.[a-z-]+)'/g)) used.add(m[1]);
}
const missing = [...used].filter(k => !MESSAGES[k]);
console.log('missing', missing);
const bad = Object.entries(MESSAGES).filter(([k, v]) => !v.zh || !v.en);
console.log('incomplete', bad.map(b => b[0]));
const all = Object.keys(MESSAGES);
const dyn = /^(state|reason|kind|phase|verify\.by|language|account|card|order|parcel|ticket|escalation|role|err|stream)\./;
console.log('unused', all.filter(k => !used.has(k) && !dyn.test(k) && !/^admin\.flow-(valid|activated)$/.test(k)));
