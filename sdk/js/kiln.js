// kiln.js: write kiln plugins in JavaScript.
//
// A plugin is an ES module built into a WebAssembly component for the
// `kiln:plugin/action@0.2.0` world by `sdk/js/build` (componentize-js). It
// imports this file as `./kiln.js` (the build puts it next to the entry) and
// exports `describe` and `run`:
//
//     import { definePlugin, log } from './kiln.js';
//
//     export const { describe, run } = definePlugin({
//       name: 'hello',
//       version: '0.1.0',
//       summary: 'Greets someone in the log',
//       params: { who: { description: 'Who to greet', default: 'world' } },
//       run(ctx) {
//         const who = ctx.param('who');
//         log.info(`hello, ${who}`);
//         return `greeted ${who}`;          // the run report's one-line summary
//       },
//     });
//
// `run` may be async. Whatever it throws fails the action with the error's
// message; nothing a plugin throws traps the component.
//
// The JS engine (StarlingMonkey) has no file API of its own, so `fs` below
// reads and writes the sandbox through the world's `wasi:filesystem` imports.
// Paths are absolute sandbox paths: `/workspace/...` (read-only unless
// granted), `/inputs/<name>/...` (read-only), `/outputs/<name>/...`
// (writable), `/tmp/...`, `/mnt/<name>/...` (granted host directories).
//
// Module code runs once at build time (the engine is snapshotted), so do not
// call anything from this file at the top level of a plugin: only inside
// `run` (and `describe`, which must not touch files either).

import { log as witLog, progress as witProgress } from 'kiln:plugin/log@0.2.0';
import {
  run as witExecRun,
  output as witExecOutput,
  hostPath as witHostPath,
} from 'kiln:plugin/exec@0.2.0';
import { get as witSecret } from 'kiln:plugin/secrets@0.2.0';
import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

/** The contract version this SDK targets. */
export const CONTRACT_VERSION = '0.2.0';

/** Where the source tree is mounted in every sandbox. */
export const WORKSPACE = '/workspace';

// ---------------------------------------------------------------------------
// Logging

function format(args) {
  return args
    .map((arg) => {
      if (typeof arg === 'string') return arg;
      if (arg instanceof Error) return arg.message;
      if (arg !== null && typeof arg === 'object') {
        try {
          return JSON.stringify(arg);
        } catch {
          return String(arg);
        }
      }
      return String(arg);
    })
    .join(' ');
}

/**
 * The action's log: stored with the run, masked for secrets, shown by
 * `kiln run` and `kiln logs`. Arguments are joined with spaces; objects are
 * written as JSON. (`console.log` also reaches the log, at level info.)
 */
export const log = {
  trace: (...args) => witLog('trace', format(args)),
  debug: (...args) => witLog('debug', format(args)),
  info: (...args) => witLog('info', format(args)),
  warn: (...args) => witLog('warn', format(args)),
  error: (...args) => witLog('error', format(args)),
  /** Progress of a long step: `done` of `total` units (0 when unknown). */
  progress: (done, total, message = '') =>
    witProgress(BigInt(Math.max(0, Math.floor(done))), BigInt(Math.max(0, Math.floor(total))), message),
};

// ---------------------------------------------------------------------------
// Describing the plugin

/**
 * Grants: capabilities beyond the default sandbox that the pipeline must give
 * the action. `grants: [grant.exec('cargo'), grant.network]`.
 */
export const grant = {
  /** `/workspace` writable instead of read-only. */
  workspaceWrite: { tag: 'workspace-write' },
  /** Outbound HTTP to the hosts the pipeline lists. */
  network: { tag: 'network' },
  /** Running `program` through `exec`. */
  exec: (program) => ({ tag: 'exec', val: String(program) }),
  /** Reading the secret `name` through `secret()`. */
  secret: (name) => ({ tag: 'secret', val: String(name) }),
  /** A host directory mounted at `/mnt/<name>`; access 'read-only' or 'read-write'. */
  path: (name, access = 'read-only') => {
    if (access !== 'read-only' && access !== 'read-write') {
      throw new Error(`grant.path(${name}): access must be 'read-only' or 'read-write'`);
    }
    return { tag: 'path', val: { name: String(name), access } };
  },
};

// A default reaches the plugin as text: lists and maps as JSON, like `with:`.
function paramText(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// `params` is `{ name: 'description' }` or `{ name: { description, default,
// required } }` (declaration order is kept), or an array of `{ name, ... }`.
function paramSpecs(params = {}) {
  const entries = Array.isArray(params)
    ? params.map((p) => [p.name, p])
    : Object.entries(params);
  return entries.map(([name, spec]) => {
    const s = typeof spec === 'string' ? { description: spec } : spec ?? {};
    return {
      name,
      description: s.description ?? '',
      required: Boolean(s.required),
      default: paramText(s.default),
    };
  });
}

function pluginInfo(spec) {
  for (const key of ['name', 'version']) {
    if (typeof spec[key] !== 'string' || spec[key] === '') {
      throw new Error(`definePlugin: \`${key}\` must be a non-empty string`);
    }
  }
  return {
    name: spec.name,
    version: spec.version,
    summary: spec.summary ?? '',
    params: paramSpecs(spec.params),
    grants: (spec.grants ?? []).map((g) => {
      if (g === 'network') return grant.network;
      if (g === 'workspace-write') return grant.workspaceWrite;
      if (g && typeof g.tag === 'string') return g;
      throw new Error(`definePlugin: unknown grant ${JSON.stringify(g)}`);
    }),
  };
}

/**
 * Turn `{ name, version, summary, params, grants, run }` into the world's
 * exports: `export const { describe, run } = definePlugin({...})`.
 * `run(ctx)` gets a `Context` and returns (or resolves to) a one-line
 * summary; an exception or rejection fails the action with its message.
 */
export function definePlugin(spec) {
  if (typeof spec?.run !== 'function') {
    throw new Error('definePlugin: `run(ctx)` must be a function');
  }
  const info = pluginInfo(spec);
  return {
    describe() {
      return info;
    },
    async run(witContext) {
      try {
        const summary = await spec.run(new Context(witContext));
        return { tag: 'ok', val: summary === undefined ? 'done' : String(summary) };
      } catch (error) {
        // A plain `Error` is the plugin saying why the action failed; a
        // TypeError or ReferenceError is a bug, worth its stack in the log.
        if (error instanceof Error && error.constructor !== Error && !(error instanceof FsError)) {
          const frames = (error.stack ?? '').split('\n').filter((f) => f && !f.includes('initializer.js'));
          log.debug(`${error.name}: ${error.message}${frames.map((f) => `\n    at ${f}`).join('')}`);
        }
        return { tag: 'err', val: errorMessage(error) };
      }
    },
  };
}

function errorMessage(error) {
  if (error instanceof Error) {
    const plain = error.constructor === Error || error instanceof FsError;
    return plain && error.message ? error.message : `${error.name}: ${error.message}`;
  }
  if (typeof error === 'string') return error;
  return format([error]);
}

// ---------------------------------------------------------------------------
// The action's context

/**
 * A list parameter: a YAML list arrives as JSON text; a scalar is a
 * one-element list; a comma-separated scalar is split on commas.
 */
export function parseList(text) {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
    const items = JSON.parse(trimmed);
    return items.map((item) => (typeof item === 'string' ? item : paramText(item)));
  }
  return trimmed
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Everything a plugin learns about the action it runs for. */
export class Context {
  constructor(ctx) {
    /** Unique per pipeline run. */
    this.runId = ctx.runId;
    this.pipeline = ctx.pipeline;
    this.stage = ctx.stage;
    this.action = ctx.action;
    /** 1 for the first attempt, 2 for the first retry, and so on. */
    this.attempt = ctx.attempt;
    /** `[{ name, digest, path }]`: input artifacts, mounted read-only. */
    this.inputs = ctx.inputs.map(({ name, digest, path }) => ({ name, digest, path }));
    /** `[{ name, path }]`: output artifacts; write their files under `path`. */
    this.outputs = ctx.outputs.map(({ name, path }) => ({ name, path }));
    /** The source tree's mount. */
    this.workspace = WORKSPACE;
    this._params = new Map(ctx.params);
  }

  /** All parameters, after defaults, as a plain object of strings. */
  get params() {
    return Object.fromEntries(this._params);
  }

  /** A parameter's text, or `fallback` when the pipeline omitted it. */
  param(name, fallback = undefined) {
    return this._params.has(name) ? this._params.get(name) : fallback;
  }

  /** A parameter that must be present. */
  require(name) {
    if (!this._params.has(name)) throw new Error(`parameter \`${name}\` is required`);
    return this._params.get(name);
  }

  /** `true/false`, `yes/no`, `on/off` or `1/0`. */
  bool(name, fallback = undefined) {
    const text = this.param(name);
    if (text === undefined) return fallback;
    const value = text.trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(value)) return true;
    if (['false', 'no', 'off', '0', ''].includes(value)) return false;
    throw new Error(`parameter \`${name}\` = ${JSON.stringify(text)}: expected true or false`);
  }

  /** A number. */
  number(name, fallback = undefined) {
    const text = this.param(name);
    if (text === undefined) return fallback;
    const value = Number(text.trim());
    if (text.trim() === '' || Number.isNaN(value)) {
      throw new Error(`parameter \`${name}\` = ${JSON.stringify(text)}: expected a number`);
    }
    return value;
  }

  /** A list (see `parseList`); `[]` when omitted. */
  list(name) {
    const text = this.param(name);
    if (text === undefined) return [];
    try {
      return parseList(text);
    } catch (error) {
      throw new Error(`parameter \`${name}\`: ${error.message}`);
    }
  }

  /** A map or list parameter parsed from its JSON text. */
  json(name, fallback = undefined) {
    const text = this.param(name);
    if (text === undefined) return fallback;
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error(`parameter \`${name}\` is not valid JSON: ${error.message}`);
    }
  }

  /** The input artifact with this name. */
  input(name) {
    const found = this.inputs.find((i) => i.name === name);
    if (!found) throw new Error(`the action has no input artifact \`${name}\``);
    return found;
  }

  /** The output artifact with this name. */
  output(name) {
    const found = this.outputs.find((o) => o.name === name);
    if (!found) throw new Error(`the action has no output artifact \`${name}\``);
    return found;
  }

  /** The only output artifact, for plugins that produce exactly one. */
  singleOutput() {
    if (this.outputs.length === 1) return this.outputs[0];
    if (this.outputs.length === 0) throw new Error('the action declares no output artifact');
    throw new Error(
      `the action declares ${this.outputs.length} outputs; this plugin writes exactly one`,
    );
  }
}

/** The variables the pipeline sets (never the host's), as a plain object. */
export function env() {
  return Object.fromEntries(getEnvironment());
}

// ---------------------------------------------------------------------------
// Secrets and host programs

function variantMessage(error) {
  const payload = error && Object.prototype.hasOwnProperty.call(error, 'payload')
    ? error.payload
    : error;
  if (payload && typeof payload === 'object' && 'tag' in payload) {
    return payload.val === undefined ? payload.tag : `${payload.tag}: ${payload.val}`;
  }
  return errorMessage(payload);
}

/** A secret the action grants (`grant.secret(name)`); masked in every log. */
export function secret(name) {
  try {
    return witSecret(name);
  } catch (error) {
    throw new Error(`secret \`${name}\`: ${variantMessage(error)}`);
  }
}

function command(program, args = [], options = {}) {
  return {
    program,
    args: args.map(String),
    env: Object.entries(options.env ?? {}).map(([k, v]) => [k, String(v)]),
    cwd: options.cwd,
  };
}

function exitStatus(status) {
  const code = status.code ?? null;
  const signal = status.signal ?? null;
  return { code, signal, success: code === 0 };
}

/**
 * Running host programs the action grants (`grant.exec(program)`). The child
 * runs on the host and sees host paths: convert sandbox paths with
 * `exec.hostPath`. Options: `{ env: {NAME: value}, cwd: '/workspace/sub' }`.
 */
export const exec = {
  /** Run to completion, output streamed into the log: `{ code, signal, success }`. */
  run(program, args = [], options = {}) {
    try {
      return exitStatus(witExecRun(command(program, args, options)));
    } catch (error) {
      throw new Error(`running ${program}: ${variantMessage(error)}`);
    }
  },
  /** Run to completion and capture stdout: `{ code, signal, success, stdout, text }`. */
  output(program, args = [], options = {}) {
    let captured;
    try {
      captured = witExecOutput(command(program, args, options));
    } catch (error) {
      throw new Error(`running ${program}: ${variantMessage(error)}`);
    }
    return {
      ...exitStatus(captured.status),
      stdout: captured.stdout,
      text: new TextDecoder().decode(captured.stdout),
    };
  },
  /** The host path of a sandbox path, or `undefined` outside every mount. */
  hostPath(path) {
    return witHostPath(path) ?? undefined;
  },
};

// ---------------------------------------------------------------------------
// Files

const DISPOSE = Symbol.dispose || Symbol.for('dispose');
const CHUNK = 1 << 20;
const FOLLOW = { symlinkFollow: true };

const ERRORS = {
  access: 'permission denied',
  'not-permitted': 'permission denied',
  'read-only': 'read-only file system',
  'no-entry': 'no such file or directory',
  exist: 'already exists',
  'not-directory': 'not a directory',
  'is-directory': 'is a directory',
  'not-empty': 'directory not empty',
  loop: 'too many symbolic links',
  'name-too-long': 'name too long',
  'insufficient-space': 'no space left (or over the output limit)',
  quota: 'over the quota',
  'file-too-large': 'file too large',
  invalid: 'invalid argument',
};

/** A failed file operation; `code` is the `wasi:filesystem` error code. */
export class FsError extends Error {
  constructor(what, path, code) {
    super(`${what} ${path}: ${ERRORS[code] ?? code}`);
    this.name = 'FsError';
    this.path = path;
    this.code = code;
  }
}

function fsCall(what, path, f) {
  try {
    return f();
  } catch (error) {
    if (error instanceof FsError) throw error;
    if (error && typeof error.payload === 'string') throw new FsError(what, path, error.payload);
    throw error;
  }
}

function dispose(resource) {
  if (resource && typeof resource[DISPOSE] === 'function') resource[DISPOSE]();
}

let mounts;
// The sandbox's mounts, deepest first. Asked once per instance (each call of
// get-directories makes new handles), never at build time.
function preopens() {
  if (!mounts) {
    mounts = getDirectories()
      .map(([descriptor, path]) => ({ descriptor, path: normalize(path) }))
      .sort((a, b) => b.path.length - a.path.length);
  }
  return mounts;
}

/** Lexically normalise an absolute path: `/a/./b/../c/` is `/a/c`. */
export function normalize(path) {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new Error(`${JSON.stringify(path)} is not an absolute sandbox path`);
  }
  const parts = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

/** Join path segments with `/` and normalise: `join(out.path, 'a/b.txt')`. */
export function join(first, ...rest) {
  return normalize([first, ...rest].join('/'));
}

/** The mount holding `path` and the path relative to it (`.` for the mount). */
function resolve(path) {
  const abs = normalize(path);
  for (const mount of preopens()) {
    if (mount.path === '/' || abs === mount.path || abs.startsWith(mount.path + '/')) {
      const relative = abs.slice(mount.path === '/' ? 1 : mount.path.length + 1);
      return { mount, relative: relative === '' ? '.' : relative, abs };
    }
  }
  const known = preopens().map((m) => m.path).join(', ');
  throw new FsError('resolving', abs, `not under a mounted directory (${known})`);
}

// Run `f` with a descriptor for `path`, closed afterwards (the mount's own
// descriptor is shared and stays open).
function withOpen(what, path, openFlags, descriptorFlags, f) {
  const { mount, relative, abs } = resolve(path);
  if (relative === '.' && !openFlags.create) {
    return fsCall(what, abs, () => f(mount.descriptor, abs));
  }
  const descriptor = fsCall(what, abs, () =>
    mount.descriptor.openAt(FOLLOW, relative, openFlags, descriptorFlags),
  );
  try {
    return fsCall(what, abs, () => f(descriptor, abs));
  } finally {
    dispose(descriptor);
  }
}

const TYPES = {
  'regular-file': 'file',
  directory: 'directory',
  'symbolic-link': 'symlink',
};

function entryType(type) {
  return TYPES[type] ?? 'other';
}

function toBytes(data) {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('expected a string, Uint8Array or ArrayBuffer');
}

function writeAll(descriptor, bytes) {
  let offset = 0;
  while (offset < bytes.length) {
    const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + CHUNK));
    offset += Number(descriptor.write(chunk, BigInt(offset)));
  }
}

/**
 * Files in the sandbox, through `wasi:filesystem`. Every path is absolute
 * (`/inputs/src/a.txt`); errors are `FsError`s whose message names the
 * operation and the path (`reading /inputs/src/a.txt: no such file or
 * directory`).
 */
export const fs = {
  /** A file's bytes as a Uint8Array. */
  readBytes(path) {
    return withOpen('reading', path, {}, { read: true }, (d) => {
      const chunks = [];
      let total = 0;
      for (;;) {
        const [chunk, end] = d.read(BigInt(CHUNK), BigInt(total));
        if (chunk.length > 0) {
          chunks.push(chunk);
          total += chunk.length;
        }
        if (end || chunk.length === 0) break;
      }
      if (chunks.length === 1) return chunks[0];
      const bytes = new Uint8Array(total);
      let at = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      return bytes;
    });
  },

  /** A UTF-8 text file as a string; fails on bytes that are not UTF-8. */
  readText(path) {
    const bytes = fs.readBytes(path);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new FsError('reading', normalize(path), 'not UTF-8 text');
    }
  },

  /** Parse a JSON file. */
  readJson(path) {
    const text = fs.readText(path);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new Error(`reading ${normalize(path)}: invalid JSON: ${error.message}`);
    }
  },

  /**
   * Write a file (a string is written as UTF-8), replacing it if it exists
   * and creating missing parent directories.
   */
  writeBytes(path, data) {
    const abs = normalize(path);
    const parent = abs.slice(0, abs.lastIndexOf('/')) || '/';
    if (!fs.exists(parent)) fs.mkdir(parent);
    const bytes = toBytes(data);
    withOpen('writing', abs, { create: true, truncate: true }, { write: true }, (d) =>
      writeAll(d, bytes),
    );
  },

  writeText(path, text) {
    fs.writeBytes(path, String(text));
  },

  writeJson(path, value) {
    fs.writeBytes(path, JSON.stringify(value, null, 2) + '\n');
  },

  /** `{ type: 'file'|'directory'|'symlink'|'other', size }` (symlinks followed). */
  stat(path) {
    const { mount, relative, abs } = resolve(path);
    const stat = fsCall('inspecting', abs, () => mount.descriptor.statAt(FOLLOW, relative));
    return { type: entryType(stat.type), size: Number(stat.size) };
  },

  /** Whether `path` exists (a dangling symlink does not). */
  exists(path) {
    try {
      fs.stat(path);
      return true;
    } catch (error) {
      if (error instanceof FsError && error.code === 'no-entry') return false;
      throw error;
    }
  },

  isFile: (path) => fs.exists(path) && fs.stat(path).type === 'file',
  isDirectory: (path) => fs.exists(path) && fs.stat(path).type === 'directory',

  /** A directory's entries, sorted by name: `[{ name, type, path }]`. */
  list(path) {
    return withOpen('listing', path, { directory: true }, { read: true }, (d, abs) => {
      const stream = d.readDirectory();
      const entries = [];
      try {
        for (let entry; (entry = stream.readDirectoryEntry()) !== undefined && entry !== null; ) {
          entries.push({ name: entry.name, type: entryType(entry.type), path: join(abs, entry.name) });
        }
      } finally {
        dispose(stream);
      }
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  },

  /** Create a directory and any missing parents; fine if it exists. */
  mkdir(path) {
    const abs = normalize(path);
    const { mount, relative } = resolve(abs);
    if (relative === '.') return;
    let sofar = '';
    for (const part of relative.split('/')) {
      sofar = sofar ? `${sofar}/${part}` : part;
      try {
        mount.descriptor.createDirectoryAt(sofar);
      } catch (error) {
        if (error?.payload !== 'exist') {
          throw new FsError('creating directory', join(mount.path, sofar), error?.payload ?? String(error));
        }
      }
    }
  },

  /** Remove a file (not a directory). */
  remove(path) {
    const { mount, relative, abs } = resolve(path);
    fsCall('removing', abs, () => mount.descriptor.unlinkFileAt(relative));
  },

  /**
   * Every entry under `root`, depth first in name order, as
   * `{ path, relative, name, type }` (`relative` to `root`, with `/`).
   * Symlinked directories are listed but not entered. `options.filter(entry)`
   * returning false skips an entry (and, for a directory, all it holds).
   */
  walk(root, options = {}) {
    const base = normalize(root);
    const out = [];
    const visit = (dir, prefix) => {
      for (const entry of fs.list(dir)) {
        const item = { ...entry, relative: prefix + entry.name };
        if (options.filter && options.filter(item) === false) continue;
        out.push(item);
        if (entry.type === 'directory') visit(entry.path, `${item.relative}/`);
      }
    };
    visit(base, '');
    return out;
  },

  /** Copy one file. */
  copy(from, to) {
    fs.writeBytes(to, fs.readBytes(from));
  },

  /** The sandbox's mounted directories (`/workspace`, `/inputs/x`, ...). */
  mounts() {
    return preopens().map((m) => m.path).sort();
  },
};
