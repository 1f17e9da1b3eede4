// Regenerates kJsIds / kJsDecisions in sampling_test.cc from OpenTelemetry JS's own
// TraceIdRatioBasedSampler, so the C++ ratio rule is checked against the real thing:
//   cd tests/integration && npm ci && node ../../sdk/tests/otel_js_ratio_vectors.cjs
// (run from tests/integration so that require() finds its node_modules).
const path = require('path');
const { createRequire } = require('module');
const req = createRequire(path.join(process.cwd(), 'package.json'));
const { TraceIdRatioBasedSampler, SamplingDecision } = req('@opentelemetry/sdk-trace-base');

let s = 12345n;  // a fixed LCG, so the ids are the same on every run
function rnd32() {
  s = (s * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
  return Number(s >> 32n);
}
const hex8 = (x) => (x >>> 0).toString(16).padStart(8, '0');
const ids = [];
for (let i = 0; i < 40; ++i) ids.push(hex8(rnd32()) + hex8(rnd32()) + hex8(rnd32()) + hex8(rnd32()));
const ratios = [0, 0.001, 0.1, 0.25, 0.5, 0.9, 0.999999, 1];
for (const r of ratios) {  // ids whose 32-bit XOR is just below and at each ratio's bound
  const b = r === 1 ? 0xffffffff : Math.floor(r * 0xffffffff);
  for (const x of [b - 1, b]) if (x >= 0) ids.push(hex8(x ^ 0x12345678) + '12345678deadbeefdeadbeef');
}
ids.push('ffffffff000000000000000000000000', '00000000000000000000000000000000',
         '0000000000000000000000000000000a');
console.log(ids.map((id) => `"${id}",`).join('\n'));
for (const r of ratios) {
  const sampler = new TraceIdRatioBasedSampler(r);
  const bits = ids.map((id) => sampler.shouldSample({}, id).decision ===
                                   SamplingDecision.RECORD_AND_SAMPLED ? '1' : '0');
  console.log(`{${r}, "${bits.join('')}"},`);
}
