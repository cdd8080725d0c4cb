/** Paths inside the installed package (templates, shipped data), wherever it is run from. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: this file is src/paths.ts, compiled to dist/src/paths.js. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const seedDataDump = join(packageRoot, 'fixtures', 'seed', 'datadump.R');
export const templatesDir = join(packageRoot, 'templates');
