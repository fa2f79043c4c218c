// template: render configuration templates into an output artifact.
//
//   - name: config
//     uses: template                 # or a path to template.wasm
//     inputs: [tmpl]                 # templates come from the only input...
//     outputs: [config]
//     with:
//       values: { PORT: 8080, db: { host: db.internal } }
//
// In every file matching `include` (default `**/*.tmpl`), `${NAME}`,
// `${NAME:-default}` and `{{ name }}` are replaced by the value of NAME in
// `values` (dotted names reach into nested maps), else in `values-file`,
// else in the pipeline's environment variables. `$${` writes a literal `${`.
// The result is written under the same relative path, without the `.tmpl`
// suffix, into the output artifact. A placeholder with no value fails the
// action, naming each one by file:line:column, unless `strict: false`.
import { definePlugin, env, fs, join, log } from './kiln.js';
import { SYNTAXES, lookupIn, matcher, render } from './render.js';

const MAX_REPORTED = 20;

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// Where the templates are: an input artifact's name or a sandbox path.
function source(ctx) {
  const from = ctx.param('from');
  if (from === undefined || from === '') {
    if (ctx.inputs.length === 1) {
      return { root: ctx.inputs[0].path, label: `input \`${ctx.inputs[0].name}\`` };
    }
    if (ctx.inputs.length > 1) {
      throw new Error(
        `the action has ${ctx.inputs.length} inputs; say which holds the templates with \`from\``,
      );
    }
    return { root: ctx.workspace, label: 'the workspace' };
  }
  if (from.startsWith('/')) return { root: join(from), label: from };
  return { root: ctx.input(from).path, label: `input \`${from}\`` };
}

function values(ctx) {
  let merged = {};
  const file = ctx.param('values-file');
  if (file) {
    merged = fs.readJson(file);
    if (merged === null || typeof merged !== 'object' || Array.isArray(merged)) {
      throw new Error(`values-file ${file} must hold a JSON object`);
    }
  }
  const inline = ctx.json('values', {});
  if (inline === null || typeof inline !== 'object' || Array.isArray(inline)) {
    throw new Error('parameter `values` must be a map (a JSON object)');
  }
  return { ...merged, ...inline };
}

export const { describe, run } = definePlugin({
  name: 'template',
  version: '0.1.0',
  summary: 'Renders ${NAME} / {{ name }} templates from an artifact or the workspace into an artifact',
  params: {
    values: { description: 'A map of values for placeholders (dotted names reach nested keys)', default: '{}' },
    'values-file': { description: 'A JSON file of more values (a sandbox path); `values` wins' },
    env: { description: 'Also take values from the pipeline environment variables', default: 'true' },
    from: { description: 'Input artifact or sandbox path holding the templates (default: the only input, else /workspace)' },
    to: { description: 'Output artifact to write (default: the only output)' },
    include: { description: 'Globs of the files to render, relative to `from`', default: ['**/*.tmpl'] },
    copy: { description: 'Globs of files to copy unchanged', default: [] },
    suffix: { description: 'Suffix removed from rendered file names', default: '.tmpl' },
    syntax: { description: `Placeholders to replace: ${SYNTAXES.join(', ')}`, default: 'both' },
    strict: { description: 'Fail when a placeholder has no value (false: leave it as it is)', default: 'true' },
  },

  run(ctx) {
    const { root, label } = source(ctx);
    const output = ctx.param('to') ? ctx.output(ctx.param('to')) : ctx.singleOutput();
    const syntax = ctx.param('syntax', 'both');
    const strict = ctx.bool('strict', true);
    const suffix = ctx.param('suffix', '.tmpl');
    const lookup = lookupIn(values(ctx), ctx.bool('env', true) ? env() : {});
    const included = matcher(ctx.list('include'));
    const copied = matcher(ctx.list('copy'));

    if (!fs.isDirectory(root)) throw new Error(`${label} (${root}) is not a directory`);
    const files = fs
      .walk(root, { filter: (e) => !(e.type === 'directory' && e.name === '.git') })
      .filter((e) => e.type === 'file' && (included(e.relative) || copied(e.relative)));

    const targets = new Map();
    const missing = [];
    let rendered = 0;
    let copies = 0;
    let substituted = 0;
    for (const file of files) {
      const isTemplate = included(file.relative);
      const name =
        isTemplate && suffix && file.relative.endsWith(suffix) && file.relative.length > suffix.length
          ? file.relative.slice(0, -suffix.length)
          : file.relative;
      if (targets.has(name)) {
        throw new Error(`${file.relative} and ${targets.get(name)} would both be written as ${name}`);
      }
      targets.set(name, file.relative);
      const target = join(output.path, name);
      if (!isTemplate) {
        fs.copy(file.path, target);
        copies += 1;
        continue;
      }
      const result = render(fs.readText(file.path), lookup, syntax);
      for (const m of result.missing) {
        const where = `${file.relative}:${m.line}:${m.column}`;
        missing.push(`${where} ${m.placeholder}`);
        if (strict) log.error(`${where}: no value for ${m.placeholder}`);
        else log.warn(`${where}: no value for ${m.placeholder}; left as it is`);
      }
      fs.writeText(target, result.text);
      log.info(`${file.relative} -> ${name} (${plural(result.count, 'placeholder')})`);
      rendered += 1;
      substituted += result.count;
    }

    if (strict && missing.length > 0) {
      const shown = missing.slice(0, MAX_REPORTED).join('; ');
      const more = missing.length > MAX_REPORTED ? `; and ${missing.length - MAX_REPORTED} more` : '';
      const [what, them] = missing.length === 1 ? ['a placeholder has', 'it'] : [`${missing.length} placeholders have`, 'them'];
      throw new Error(
        `${what} no value: ${shown}${more} (set ${them} in \`values\` or the pipeline's \`env\`, or pass \`strict: false\`)`,
      );
    }
    if (rendered === 0 && copies === 0) {
      throw new Error(`no file in ${label} matches ${ctx.list('include').join(', ')}`);
    }
    const left = missing.length > 0 ? `; ${missing.length} without a value, left as they are` : '';
    const copyNote = copies > 0 ? ` and copied ${plural(copies, 'file')}` : '';
    return `rendered ${plural(rendered, 'file')} (${plural(substituted, 'placeholder')}${left})${copyNote} from ${label} into \`${output.name}\``;
  },
});
