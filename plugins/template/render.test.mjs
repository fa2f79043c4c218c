// Unit tests of the templater's pure part: `node --test plugins/template/`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globToRegExp, lookupIn, matcher, render } from './render.js';

const lookup = lookupIn({ PORT: 8080, db: { host: 'db.internal', port: 5432 }, 'a.b': 'flat', list: [1, 2] }, { HOME: '/root', PORT: 'env-loses' });

test('both syntaxes, nested and flat dotted keys, env after values', () => {
  const r = render('port=${PORT}\nhost={{ db.host }}:{{db.port}}\n${a.b} ${HOME} {{ list }}', lookup);
  assert.equal(r.text, 'port=8080\nhost=db.internal:5432\nflat /root [1,2]');
  assert.equal(r.count, 6);
  assert.deepEqual(r.missing, []);
});

test('defaults, escapes and non-placeholders', () => {
  const r = render('${NOPE:-fallback} ${X:-} $${PORT} {{ .Values.x }} {{#each}} $PORT {{ PORT', lookup);
  assert.equal(r.text, 'fallback  ${PORT} {{ .Values.x }} {{#each}} $PORT {{ PORT');
});

test('missing placeholders are reported with line and column and left alone', () => {
  const r = render('a\n  x=${MISSING}\n\ny={{ also.missing }} ${MISSING}', lookup);
  assert.equal(r.text, 'a\n  x=${MISSING}\n\ny={{ also.missing }} ${MISSING}');
  assert.deepEqual(
    r.missing.map((m) => `${m.line}:${m.column} ${m.placeholder}`),
    ['2:5 ${MISSING}', '4:3 {{ also.missing }}', '4:22 ${MISSING}'],
  );
});

test('syntax selects the placeholders', () => {
  assert.equal(render('${PORT} {{ PORT }} $${x}', lookup, 'dollar').text, '8080 {{ PORT }} ${x}');
  assert.equal(render('${PORT} {{ PORT }} $${x}', lookup, 'mustache').text, '${PORT} 8080 $${x}');
  assert.throws(() => render('', lookup, 'jinja'), /unknown syntax/);
});

test('globs', () => {
  assert.ok(globToRegExp('**/*.tmpl').test('a.tmpl'));
  assert.ok(globToRegExp('**/*.tmpl').test('x/y/a.tmpl'));
  assert.ok(!globToRegExp('*.tmpl').test('x/a.tmpl'));
  assert.ok(globToRegExp('conf/{a,b}.?').test('conf/b.c'));
  assert.ok(!globToRegExp('a.b').test('axb'));
  assert.ok(matcher(['*.txt', 'static/**'])('static/x/y.png'));
  assert.ok(!matcher([])('a'));
});
