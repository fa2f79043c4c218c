// The templater's pure part: placeholders, lookups and globs. No kiln or
// WASI imports, so `node --test` runs its tests (render.test.mjs) directly.

const NAME = '[A-Za-z_][A-Za-z0-9_.-]*';

// One pass over the text finds, in order:
//   $${        an escaped `${`, written as `${`
//   ${NAME}    or ${NAME:-default}
//   {{ NAME }} spaces optional; anything else in braces (`{{ .Values.x }}`,
//              `{{#each}}`) is not a placeholder and is left alone
const PATTERN = new RegExp(
  [
    '(?<escape>\\$\\$\\{)',
    `\\$\\{\\s*(?<dollar>${NAME})\\s*(?::-(?<fallback>[^}]*))?\\}`,
    `\\{\\{\\s*(?<mustache>${NAME})\\s*\\}\\}`,
  ].join('|'),
  'g',
);

export const SYNTAXES = ['both', 'dollar', 'mustache'];

/** How a value is written into a file: objects and lists as JSON. */
export function stringify(value) {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * A lookup over `values` (an object, nested keys reachable with dots:
 * `db.host`) and then `env` (a flat object of strings). Returns the text,
 * or undefined when neither has the name.
 */
export function lookupIn(values, env) {
  return (name) => {
    if (values && Object.prototype.hasOwnProperty.call(values, name)) {
      return stringify(values[name]);
    }
    if (values && name.includes('.')) {
      let node = values;
      for (const part of name.split('.')) {
        if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, part)) {
          node = undefined;
          break;
        }
        node = node[part];
      }
      if (node !== undefined) return stringify(node);
    }
    if (env && Object.prototype.hasOwnProperty.call(env, name)) return env[name];
    return undefined;
  };
}

/**
 * Substitute the placeholders of `text`. Returns `{ text, count, missing }`:
 * `count` placeholders were substituted; `missing` lists those without a
 * value as `{ line, column, placeholder, name }` (1-based), which are left
 * in the text unchanged.
 */
export function render(text, lookup, syntax = 'both') {
  if (!SYNTAXES.includes(syntax)) {
    throw new Error(`unknown syntax \`${syntax}\`; expected one of ${SYNTAXES.join(', ')}`);
  }
  const dollar = syntax !== 'mustache';
  const mustache = syntax !== 'dollar';
  const missing = [];
  let count = 0;
  // Line numbers: advance a cursor over the text as matches go by.
  let line = 1;
  let lineStart = 0;
  let scanned = 0;
  const position = (index) => {
    for (let i = text.indexOf('\n', scanned); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
      line += 1;
      lineStart = i + 1;
    }
    scanned = index;
    return { line, column: index - lineStart + 1 };
  };
  const out = text.replace(PATTERN, (match, ...args) => {
    const groups = args[args.length - 1];
    const index = args[args.length - 3];
    if (groups.escape !== undefined) return dollar ? '${' : match;
    const name = groups.dollar ?? groups.mustache;
    if ((groups.dollar !== undefined && !dollar) || (groups.mustache !== undefined && !mustache)) {
      return match;
    }
    const value = lookup(name);
    if (value !== undefined) {
      count += 1;
      return value;
    }
    if (groups.fallback !== undefined) {
      count += 1;
      return groups.fallback;
    }
    missing.push({ ...position(index), placeholder: match, name });
    return match;
  });
  return { text: out, count, missing };
}

/**
 * A glob as a RegExp over `/`-separated relative paths: `*` and `?` stay
 * within one directory, `**` crosses directories (`**\/` also matches no
 * directory at all), `{a,b}` is either.
 */
export function globToRegExp(glob) {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        if (glob[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '{') {
      re += '(?:';
      depth += 1;
    } else if (c === '}' && depth > 0) {
      re += ')';
      depth -= 1;
    } else if (c === ',' && depth > 0) {
      re += '|';
    } else {
      re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
    }
  }
  if (depth !== 0) throw new Error(`unbalanced braces in glob \`${glob}\``);
  return new RegExp(`^${re}$`);
}

/** A predicate: does a relative path match any of `globs`? */
export function matcher(globs) {
  const res = globs.map(globToRegExp);
  return (path) => res.some((re) => re.test(path));
}
