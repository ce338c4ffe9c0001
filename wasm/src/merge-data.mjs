// Rewrites a wasm module's active data segments into one segment, the gaps
// between them zero-filled. Binaryen's memory packing splits the core's static
// data at every run of zeros: ~980 segments whose headers (offset, length) cost
// more once compressed than the ~19 KB of zeros they skip, which compress to
// almost nothing (wasm/README.md: -2.3 kB gzip, +12 kB raw). The zeros are what
// that memory holds anyway. Leaves any other layout (passive segments, a
// second memory, a non-constant offset) untouched.
//   node merge-data.mjs file.wasm
import fs from "node:fs";

const file = process.argv[2];
const bytes = fs.readFileSync(file);

function readU(buf, pos) {
  let result = 0, shift = 0, b;
  do {
    b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [result, pos];
}

function readS32(buf, pos) {
  let result = 0, shift = 0, b;
  do {
    b = buf[pos++];
    result |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (shift < 32 && b & 0x40) result |= -1 << shift;
  return [result, pos];
}

function writeU(v) {
  const out = [];
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

function writeS32(v) {
  const out = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** The merged data section's body, or null where the layout is not the simple one. */
function mergedData(body) {
  let [count, pos] = readU(body, 0);
  const segments = [];
  for (let i = 0; i < count; ++i) {
    let flags, offset, size;
    [flags, pos] = readU(body, pos);
    if (flags !== 0 || body[pos] !== 0x41) return null;  // active, memory 0, i32.const
    [offset, pos] = readS32(body, pos + 1);
    if (body[pos++] !== 0x0b) return null;
    [size, pos] = readU(body, pos);
    segments.push({ offset, data: body.subarray(pos, pos + size) });
    pos += size;
  }
  if (segments.length < 2) return null;
  const lo = Math.min(...segments.map((s) => s.offset));
  const hi = Math.max(...segments.map((s) => s.offset + s.data.length));
  const memory = new Uint8Array(hi - lo);
  for (const s of segments) memory.set(s.data, s.offset - lo);
  const head = [...writeU(1), 0, 0x41, ...writeS32(lo), 0x0b, ...writeU(memory.length)];
  return Buffer.concat([Buffer.from(head), memory]);
}

const out = [bytes.subarray(0, 8)];
let changed = false;
for (let pos = 8; pos < bytes.length; ) {
  const id = bytes[pos];
  const [size, start] = readU(bytes, pos + 1);
  let body = bytes.subarray(start, start + size);
  if (id === 11) {
    const merged = mergedData(body);
    if (merged) {
      body = merged;
      changed = true;
    }
  } else if (id === 12) {
    // DataCount must agree with the data section; only written with bulk memory.
    throw new Error(`${file}: a DataCount section; merge-data.mjs does not handle it`);
  }
  out.push(Buffer.from([id, ...writeU(body.length)]), body);
  pos = start + size;
}
if (changed) fs.writeFileSync(file, Buffer.concat(out));
