// (EMSCRIPTEN$IMPORT$META is how emcc spells import.meta until its last step.)
// Emscripten 3.1.6 writes its node support for CommonJS: as an ES module
// under node there is no `__dirname` or `require`, and node's fetch() cannot
// read the .wasm next to the module. Give it both and read the .wasm with fs
// (node >= 20.16 has process.getBuiltinModule). Browsers and workers skip this.
var __dirname, require;
if (typeof process == 'object' && typeof process.getBuiltinModule == 'function' &&
    String(EMSCRIPTEN$IMPORT$META.url).startsWith('file:')) {
  require = (name) => process.getBuiltinModule(name);
  __dirname = require('path').dirname(require('url').fileURLToPath(EMSCRIPTEN$IMPORT$META.url));
  if (!Module['wasmBinary'] && !Module['instantiateWasm'])
    Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, 'parley-core.wasm'));
}
