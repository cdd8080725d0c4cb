import { readDataFile } from './dist/src/data/read.js';
import { buildModelSpec } from './dist/src/model/build.js';
import { fitLmer } from './dist/src/lmer/fit.js';
const spec = buildModelSpec(process.argv[3], await readDataFile(process.argv[2]));
const ts = [];
for (let i = 0; i < +process.argv[4]; i++) { const t = performance.now(); fitLmer(spec); ts.push((performance.now() - t).toFixed(0)); }
console.log(ts.join(' '));
