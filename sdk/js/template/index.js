// A kiln plugin in JavaScript. Build it into a component with
//
//     kiln plugin build . -o hello.wasm
//
// and use it from a pipeline with `uses: ./hello.wasm`. The SDK (kiln.js)
// is put next to this file by the build; see it for the whole API.
import { definePlugin, fs, join, log } from './kiln.js';

export const { describe, run } = definePlugin({
  name: 'hello',
  version: '0.1.0',
  summary: 'Greets someone in the log, and in a file of each output artifact',
  params: {
    who: { description: 'Who to greet', default: 'world' },
  },
  // Capabilities beyond the default sandbox, e.g. [grant.exec('git')].
  grants: [],

  run(ctx) {
    const who = ctx.param('who');
    log.info(`hello, ${who}`);
    for (const output of ctx.outputs) {
      fs.writeText(join(output.path, 'greeting.txt'), `hello, ${who}\n`);
    }
    return `greeted ${who}`;
  },
});
