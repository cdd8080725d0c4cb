import { readDataFile } from './dist/src/data/read.js';
import { buildModelSpec } from './dist/src/model/build.js';
import { buildPlsBlocks } from './dist/src/lmer/blocks.js';
import { PlsObjective } from './dist/src/lmer/objective.js';
import { collectResults } from './dist/src/lmer/summary.js';
const spec = buildModelSpec(process.argv[3], await readDataFile(process.argv[2]));
const B = buildPlsBlocks(spec); const o = new PlsObjective(B, true);
o.evaluate(Float64Array.from([0.9, 0.01, 0.2]));
for (let r = 0; r < +process.argv[4]; r++) { const t = performance.now(); collectResults(spec, B, o, true); console.log((performance.now() - t).toFixed(1)); }
