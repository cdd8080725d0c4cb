import { readDataFile } from './dist/src/data/read.js';
import { buildModelSpec } from './dist/src/model/build.js';
import { buildPlsBlocks } from './dist/src/lmer/blocks.js';
import { PlsObjective } from './dist/src/lmer/objective.js';
import { collectResults } from './dist/src/lmer/summary.js';
import { finiteDifferenceDerivatives } from './dist/src/lmer/convergence.js';
import { bobyqa } from './dist/src/lmer/bobyqa.js';
import v8 from 'node:v8';
const spec = buildModelSpec(process.argv[3], await readDataFile(process.argv[2]));
const B = buildPlsBlocks(spec); const o = new PlsObjective(B, true);
const th = Float64Array.from([1, 0, 1]);
const stat = (label, f) => { const h0 = v8.getHeapStatistics(); const t = performance.now(); f(); const h1 = v8.getHeapStatistics(); console.log(label, (performance.now() - t).toFixed(1), 'ms; heap', ((h1.used_heap_size - h0.used_heap_size)/1e6).toFixed(2), 'MB, ext', ((h1.external_memory - h0.external_memory)/1e6).toFixed(2)); };
for (let r = 0; r < 3; r++) {
  stat('200 evals', () => { for (let i = 0; i < 200; i++) { th[0] = 1 + (i % 7) * 0.01; o.evaluate(th); } });
  stat('bobyqa', () => bobyqa((x) => o.evaluate(x), Float64Array.from([1,0,1]), { lower: B.lower, xtolAbs: 1e-8, ftolAbs: 1e-8, maxEval: 1e5 }));
  stat('derivs', () => finiteDifferenceDerivatives((x) => o.evaluate(x), [0.9, 0.01, 0.2]));
  stat('collect', () => collectResults(spec, B, o, true));
  stat('blocks', () => buildPlsBlocks(spec));
}
