/**
 * lmer2jags as a library: everything the command line does, as functions.
 *
 *   const table = await readDataFile('sleepstudy.csv');
 *   const spec = buildModelSpec('Reaction ~ Days + (Days | Subject)', table);
 */
export { Lmer2JagsError, ExitCode, InternalError, type ErrorLocation, type Span } from './errors.js';

// Formulas
export { parseFormula } from './formula/parse.js';
export { expandFormula } from './formula/bars.js';
export { deparse, deparseFormula } from './formula/deparse.js';
export type * from './formula/ast.js';
export type * from './formula/terms.js';

// Data
export { readDataFile } from './data/read.js';
export type { Column, DataTable, FactorColumn, LogicalColumn, NumericColumn } from './data/table.js';
export { simulateGrouped, simulatedCsv, simulatedTable, type SimulateOptions, type SimulatedData } from './data/simulate.js';

// The model description (IR)
export { buildModelSpec, type BuildOptions } from './model/build.js';
export { summarizeSpec, formatSpec, type SpecSummary } from './model/describe.js';
export type * from './model/spec.js';

// The command line, callable in-process: resolves to the exit code.
export { main } from './cli/main.js';
