// The SDK's self-test: a plugin that exercises kiln.js inside a real kiln
// sandbox and fails with the list of checks that did not hold. Run by
// sdk/js/test through tests/kiln.yaml.
import { definePlugin, env, exec, fs, FsError, join, log, secret } from './kiln.js';

function throwsCode(f, code) {
  try {
    f();
  } catch (error) {
    if (!(error instanceof FsError)) throw new Error(`expected FsError ${code}, got ${error}`);
    if (code && error.code !== code) throw new Error(`expected ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  throw new Error(`expected an FsError ${code ?? ''}, nothing was thrown`);
}

function throwsMatching(f, re) {
  try {
    f();
  } catch (error) {
    if (!re.test(String(error?.message ?? error))) throw new Error(`${error?.message ?? error} does not match ${re}`);
    return;
  }
  throw new Error(`expected an error matching ${re}`);
}

function equal(actual, expected) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`got ${a}, expected ${e}`);
}

export const { describe, run } = definePlugin({
  name: 'selftest',
  version: '0.1.0',
  summary: 'Checks kiln.js inside a sandbox',
  params: {
    mode: { description: 'checks | throw-string | type-error | async-reject | fetch', default: 'checks' },
    url: 'A URL for fetch',
    items: 'A list',
    map: 'A map',
    flag: { description: 'A bool', default: true },
    count: { description: 'A number', default: 3 },
  },

  async run(ctx) {
    const mode = ctx.param('mode');
    if (mode === 'throw-string') throw 'thrown as a string';
    if (mode === 'type-error') return null.nope;
    if (mode === 'fetch') {
      // Built with KILN_JS_FETCH=1, fetch() goes through wasi:http, which
      // kiln checks against the action's `grants.network`.
      if (typeof fetch !== 'function') throw new Error('fetch is not available');
      const response = await fetch(ctx.require('url'));
      return `HTTP ${response.status}`;
    }
    if (mode === 'async-reject') {
      await Promise.resolve();
      throw new Error('rejected after await');
    }

    const checks = {
      mounts() {
        const mounts = fs.mounts();
        for (const m of ['/workspace', '/tmp', '/inputs/in', '/outputs/out']) {
          if (!mounts.includes(m)) throw new Error(`${m} missing from ${mounts}`);
        }
      },
      readWorkspace: () => equal(fs.readText('/workspace/hello.txt'), 'hello\n'),
      readInput: () => equal(fs.readText(join(ctx.input('in').path, 'greeting.txt')), 'hello, selftest\n'),
      workspaceIsReadOnly: () => throwsCode(() => fs.writeText('/workspace/x.txt', 'no')),
      inputIsReadOnly: () => throwsCode(() => fs.writeText('/inputs/in/x.txt', 'no')),
      missingFile() {
        const error = throwsCode(() => fs.readText('/workspace/nope.txt'), 'no-entry');
        if (!error.message.includes('/workspace/nope.txt')) throw new Error(error.message);
        equal(fs.exists('/workspace/nope.txt'), false);
      },
      relativePath: () => throwsMatching(() => fs.readText('hello.txt'), /not an absolute sandbox path/),
      outsideMounts: () => throwsMatching(() => fs.readText('/etc/passwd'), /not under a mounted directory/),
      deepWriteAndList() {
        const out = ctx.output('out').path;
        fs.writeText(join(out, 'a/b/c.txt'), 'deep ✓ ünïcode\n');
        equal(fs.readText(`${out}/a/b/c.txt`), 'deep ✓ ünïcode\n');
        equal(fs.list(`${out}/a`).map((e) => [e.name, e.type]), [['b', 'directory']]);
        fs.writeText(`${out}/a/../z.txt`, 'z');
        equal(fs.readText(`${out}/z.txt`), 'z');
        fs.writeJson(`${out}/j.json`, { k: [1] });
        equal(fs.readJson(`${out}/j.json`), { k: [1] });
        fs.mkdir(`${out}/empty/dir`);
        equal(fs.isDirectory(`${out}/empty/dir`), true);
        equal(fs.stat(`${out}/z.txt`), { type: 'file', size: 1 });
      },
      bigFile() {
        const bytes = new Uint8Array(3 * 1024 * 1024 + 17);
        for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 31) & 255;
        fs.writeBytes('/tmp/big.bin', bytes);
        const back = fs.readBytes('/tmp/big.bin');
        equal(back.length, bytes.length);
        for (let i = 0; i < bytes.length; i += 4099) if (back[i] !== bytes[i]) throw new Error(`byte ${i}`);
        fs.remove('/tmp/big.bin');
        equal(fs.exists('/tmp/big.bin'), false);
      },
      notUtf8() {
        fs.writeBytes('/tmp/bin', new Uint8Array([0xff, 0xfe, 0x00]));
        throwsMatching(() => fs.readText('/tmp/bin'), /not UTF-8/);
      },
      walk() {
        fs.writeText('/tmp/w/b/2.txt', '2');
        fs.writeText('/tmp/w/a.txt', '1');
        fs.writeText('/tmp/w/.git/skip', 's');
        equal(
          fs.walk('/tmp/w', { filter: (e) => e.name !== '.git' }).map((e) => `${e.type}:${e.relative}`),
          ['file:a.txt', 'directory:b', 'file:b/2.txt'],
        );
      },
      params() {
        equal(ctx.list('items'), ['a', 'b c', '3']);
        equal(ctx.json('map'), { k: 'v', n: 1 });
        equal(ctx.bool('flag'), true);
        equal(ctx.number('count'), 3);
        equal(ctx.param('absent', 'fallback'), 'fallback');
        throwsMatching(() => ctx.require('absent'), /parameter `absent` is required/);
        equal(ctx.attempt, 1);
        equal(typeof ctx.runId, 'string');
      },
      environment: () => equal(env().SELFTEST_VAR, 'from the pipeline'),
      execDenied: () => throwsMatching(() => exec.run('ls', ['/']), /running ls: denied/),
      secretNotGranted: () => throwsMatching(() => secret('NOPE'), /secret `NOPE`: not-granted/),
      logging() {
        log.trace('trace line');
        log.debug('debug', { object: true });
        log.warn('warn line');
        log.progress(1, 2, 'half');
        console.log('console.log line');
      },
    };

    const failed = [];
    for (const [name, check] of Object.entries(checks)) {
      try {
        await check();
        log.info(`ok ${name}`);
      } catch (error) {
        log.error(`FAILED ${name}: ${error?.message ?? error}`);
        failed.push(name);
      }
    }
    if (failed.length) throw new Error(`${failed.length} checks failed: ${failed.join(', ')}`);
    return `${Object.keys(checks).length} checks passed`;
  },
});
