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

// lmer: fit a ModelSpec as lme4 does, and report it as lme4's summary() or the fit --json document
export { fitLmer, lmerAtTheta, lmerStart, type LmerFit, type LmerOptions, type LmerDiagnostic, type OptimizerRecord } from './lmer/fit.js';
export { lmerFitToJson, type LmerResults, type VarCorrEntry, type RanefGroup } from './lmer/summary.js';
export { formatLmerSummary, formatOptimizerRecord, type SummaryOptions } from './lmer/format.js';
export type { Derivatives } from './lmer/convergence.js';

// JAGS: convert a ModelSpec to JAGS files, write them, run JAGS, read its samples
export { convertModel, DEFAULT_OPTIONS as CONVERT_DEFAULTS, type ConvertOptions, type Conversion } from './jags/render.js';
export { sanitizeName, type NamesJson, type Parameterization, type CovarianceForm } from './jags/names.js';
export { type PriorSet } from './jags/priors.js';
export { startingValues, type StartingValues } from './jags/start-values.js';
export { writeConversion, type WriteOptions } from './jags/write.js';
export {
  runJags, readSamples, summarizeSamples, JAGS_MISSING,
  type RunJagsOptions, type JagsRunResult, type JagsStage, type SampleSummary, type NodeRow,
} from './jags/jags-cli.js';
export { readCoda, writeCoda, type CodaOutput, type CodaChain, type CodaNodeDraws } from './jags/coda.js';

// The bundled engine: runs DIR/run.cmd as JAGS would (same files in, same CODA files out)
export { runBundledEngine, type BundledEngineOptions } from './bugs/run.js';

// Verify: lmer and its Bayesian twin side by side; explain: the model in Bayesian terms
export { verifyModel, ENGINES, type Engine, type VerifyOptions, type VerifyProgress, type VerifyResult } from './verify/verify.js';
export {
  compareFitToPosterior, checkConvergence, comparedNodes, expectedSeInflation,
  type CompareOptions, type ConvergenceCheck, type LmerResult, type NodeNames, type RedundantTerms, type RuleId, type Verdict, type VerifyReport, type VerifyRow,
} from './verify/compare.js';
export { redundantTerms } from './verify/identify.js';
export { formatVerifyResult, formatComparisonTable, verifyResultToJson } from './verify/format.js';
export { renderReport, reportInputFromResult, type ReportInput } from './verify/report.js';
export { explainModel, renderExplanation, EXPLAIN_FORMATS, type ExplainFormat, type ExplainOptions, type Explanation } from './verify/explain.js';

// The command line, callable in-process: resolves to the exit code.
export { main } from './cli/main.js';
