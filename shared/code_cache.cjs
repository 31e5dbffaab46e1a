'use strict';
// A V8 code cache for the CommonJS modules a jsii runtime loads (aws-cdk-lib, cdk-nag, the providers), preloaded with
// `node --require`. Each run of an app parses and compiles the same modules again: about 0.45 s of one production
// environment's critical path, the jsii runtime compiling while Python waits. Node 22's own compile cache
// (NODE_COMPILE_CACHE) keys each entry by the module's path, and jsii links the packages into a new temporary
// folder every run (/tmp/jsii-kernel-*), so it would never hit; Node 20 has none. Here an entry is keyed by the
// module's content and V8's tag for its version and flags, so any path with the same bytes reuses it.
// V8 checks each entry's header before using it (its version and flags, the source's length) and compiles from source
// when it rejects one, but not the code inside: hence the content's sha1 as the key and entries written whole. Any
// error here falls back to Node's own loading. NODE_DISABLE_COMPILE_CACHE=1, Node's own switch, turns it off.
const Module = require('module');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const v8 = require('v8');
const vm = require('vm');

const directory = process.env.BOOKEDBARBER_CODE_CACHE_DIR;
// Small modules cost more to look up than to compile.
const SMALLEST = 4096;
// V8's cached code keeps the path it was first compiled at, and stack traces name that path. Only packages are
// cached: aws-cdk-lib folds their frames in its traces by `/node_modules/` in the path, wherever the folder is. The
// jsii runtime itself is not: aws-cdk-lib tells its frames by the runtime's folder of this run.
const PACKAGE = `${path.sep}node_modules${path.sep}`;
const WRITE_BUDGET_MS = 2000;
// A vm.Script made from cached data loses its dynamic import() callback on Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_
// MISSING): a module that may call import() takes Node's own way (`x.import(...)`, a method, does not count).
const DYNAMIC_IMPORT = /(^|[^.\w$])import\s*\(/;

// Leftovers of a process killed while writing.
function sweepPartials(folder) {
  const old = Date.now() - 10 * 60 * 1000;
  try {
    for (const name of fs.readdirSync(folder)) {
      const file = path.join(folder, name);
      if (name.endsWith('.partial') && fs.statSync(file).mtimeMs < old) fs.rmSync(file, { force: true });
    }
  } catch {}
}

function install() {
  const compile = Module.prototype._compile;
  // V8's own tag for which cached data it accepts (its version, flags, CPU features): processes started with other
  // flags (the validation worker's) keep entries of their own instead of rejecting and rewriting each other's.
  const folder = path.join(directory, `${process.version}-${process.arch}-${v8.cachedDataVersionTag()}`);
  const unsaved = [];
  const counts = { hits: 0, compiled: 0 };
  fs.mkdirSync(folder, { recursive: true });

  Module.prototype._compile = function (content, filename, format) {
    // ES modules (require(esm) in newer Node), small files, files outside packages and modules that may call import()
    // take Node's own way.
    const esm = format !== undefined && format !== 'commonjs';
    if (esm || content.length < SMALLEST || !filename.includes(PACKAGE) || DYNAMIC_IMPORT.test(content)) {
      return compile.call(this, content, filename, format);
    }
    const entry = path.join(folder, crypto.createHash('sha1').update(content).digest('hex'));
    let cachedData;
    try {
      cachedData = fs.readFileSync(entry);
    } catch {
      cachedData = undefined;
    }
    let script;
    try {
      script = new vm.Script(Module.wrap(content), { filename, cachedData });
    } catch {
      // What only Node's loader accepts (a shebang line, ES module syntax it detects): its own way.
      return compile.call(this, content, filename, format);
    }
    if (cachedData === undefined || script.cachedDataRejected) {
      unsaved.push([script, entry]);
      counts.compiled += 1;
    } else {
      counts.hits += 1;
    }
    const module = this;
    const require = (id) => module.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(module.exports, module.exports, require, module, filename, path.dirname(filename));
  };

  // At exit, so each entry holds the functions this run compiled lazily too, not only the top level. Within a time
  // budget: jsii stops its runtime after 5 s, and a cold cache of the google provider is about 230 MB; what is left
  // is written by a later run.
  process.once('exit', () => {
    const until = Date.now() + WRITE_BUDGET_MS;
    for (const [script, entry] of unsaved) {
      if (Date.now() > until) break;
      // A name no other process can hold (pids repeat across containers sharing a checkout), then a rename: readers
      // see whole entries only.
      const partial = `${entry}.${crypto.randomUUID()}.partial`;
      try {
        fs.writeFileSync(partial, script.createCachedData(), { flag: 'wx' });
        fs.renameSync(partial, entry);
      } catch {
        try {
          fs.rmSync(partial, { force: true });
        } catch {}
      }
    }
    if (unsaved.length > 0) sweepPartials(folder);
    if (process.env.BOOKEDBARBER_CODE_CACHE_REPORT) {
      try {
        fs.appendFileSync(process.env.BOOKEDBARBER_CODE_CACHE_REPORT, `${JSON.stringify({ pid: process.pid, ...counts })}\n`);
      } catch {}
    }
  });
}

if (directory && process.env.NODE_DISABLE_COMPILE_CACHE !== '1') {
  try {
    install();
  } catch {
    // A cache is an optimization: without a writable folder the modules compile as they always did.
  }
}
