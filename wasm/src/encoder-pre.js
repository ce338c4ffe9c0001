// (EMSCRIPTEN$IMPORT$META is how emcc spells import.meta until its last step.)
// pre.js for parley-encoder.mjs: the same node support as pre.js (no
// `__dirname`/`require` in an ES module, node's fetch() cannot read the .wasm
// next to the module), reading parley-encoder.wasm. Browsers and workers skip this.
var __dirname, require;
if (typeof process == 'object' && typeof process.getBuiltinModule == 'function' &&
    String(EMSCRIPTEN$IMPORT$META.url).startsWith('file:')) {
  require = (name) => process.getBuiltinModule(name);
  __dirname = require('path').dirname(require('url').fileURLToPath(EMSCRIPTEN$IMPORT$META.url));
  if (!Module['wasmBinary'] && !Module['instantiateWasm'])
    Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, 'parley-encoder.wasm'));
}
