/**
 * JSON → DataTable. Two layouts, the two jsonlite writes for a data frame:
 * - records: `[{"y": 1.2, "g": "a"}, {"y": 0.7, "g": "b"}]` (a key missing from a record is
 *   NA; columns come in order of first appearance);
 * - columns: `{"y": [1.2, 0.7], "g": ["a", "b"]}` (all arrays of one length).
 *
 * Values: null is NA; numbers are numeric; booleans logical; strings make a factor (R's level
 * order). A column mixing types is coerced as R's c() would (jsonlite agrees): any ordinary
 * string makes it a factor (numbers become their R labels "1.5", booleans "TRUE"/"FALSE"),
 * else numbers win over booleans (TRUE = 1). As in jsonlite, the strings "NA", "NaN", "Inf"
 * and "-Inf" among numbers are read as those values (jsonlite's toJSON writes them so), but
 * in a column of ordinary strings "NA" stays the string "NA" (use null for a missing string).
 */

import { Lmer2JagsError } from '../errors.js';
import { locationAt } from './csv.js';
import { type Column, type DataTable, factorFromStrings, makeTable, numberLabel } from './table.js';

type Scalar = number | string | boolean | null;

/** Parse JSON text into a DataTable; `path` is used in messages only. */
export function parseJsonData(text: string, path: string): DataTable {
  const body = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  if (body.trim() === '') {
    throw new Lmer2JagsError(`${path} is empty`, {
      location: { kind: 'file', path },
      hint: 'a JSON data file holds an array of records, [{"y": 1.2, "g": "a"}, ...], or an object of columns, {"y": [...], "g": [...]}',
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    throw jsonSyntaxError(body, path, err);
  }
  if (Array.isArray(data)) return fromRecords(data, body, path);
  if (data !== null && typeof data === 'object') return fromColumns(data as Record<string, unknown>, body, path);
  throw new Lmer2JagsError(`${path}: the JSON value is a ${data === null ? 'null' : typeof data}, not a data set`, {
    location: locationAt(path, body, firstNonBlank(body)),
    hint: 'write an array of records, [{"y": 1.2, "g": "a"}, ...], or an object of columns, {"y": [...], "g": [...]}',
  });
}

function fromRecords(records: unknown[], text: string, path: string): DataTable {
  if (records.length === 0) {
    throw new Lmer2JagsError(`${path} holds an empty array: there are no records`, {
      location: locationAt(path, text, firstNonBlank(text)),
      hint: 'add one object per observation, e.g. [{"y": 1.2, "g": "a"}, {"y": 0.7, "g": "b"}]',
    });
  }
  const names: string[] = [];
  const index = new Map<string, number>();
  const cols: Scalar[][] = [];
  const n = records.length;
  for (let i = 0; i < n; i++) {
    const rec = records[i];
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      throw new Lmer2JagsError(
        `record ${i + 1} of the top-level array is ${describe(rec)}, not an object of named values`,
        {
          location: locationAt(path, text, locate(text, [i])),
          hint: 'each element of the array must be one observation: {"y": 1.2, "g": "a"}',
        },
      );
    }
    for (const [key, value] of Object.entries(rec as Record<string, unknown>)) {
      let j = index.get(key);
      if (j === undefined) {
        checkName(key, text, path, [i, key]);
        j = names.length;
        index.set(key, j);
        names.push(key);
        cols.push(new Array<Scalar>(n).fill(null));
      }
      cols[j][i] = scalar(value, text, path, [i, key], `record ${i + 1}, "${key}"`);
    }
  }
  if (names.length === 0) {
    throw new Lmer2JagsError(`the records in ${path} have no fields`, {
      location: locationAt(path, text, firstNonBlank(text)),
      hint: 'each record names its values: {"y": 1.2, "g": "a"}',
    });
  }
  return makeTable(path, names.map((name, j) => typeJsonColumn(name, cols[j])));
}

function fromColumns(obj: Record<string, unknown>, text: string, path: string): DataTable {
  const entries = Object.entries(obj);
  if (entries.length === 0) {
    throw new Lmer2JagsError(`${path} holds an empty object: there are no columns`, {
      location: locationAt(path, text, firstNonBlank(text)),
      hint: 'write one array per column: {"y": [1.2, 0.7], "g": ["a", "b"]}',
    });
  }
  let nrow = -1;
  let first = '';
  const columns: Column[] = [];
  for (const [key, value] of entries) {
    checkName(key, text, path, [key]);
    if (!Array.isArray(value)) {
      throw new Lmer2JagsError(`column "${key}" is ${describe(value)}, not an array of values`, {
        location: locationAt(path, text, locate(text, [key])),
        hint: 'in the columns layout every key maps to an array with one value per observation: {"y": [1.2, 0.7]}',
      });
    }
    if (nrow < 0) {
      nrow = value.length;
      first = key;
    } else if (value.length !== nrow) {
      throw new Lmer2JagsError(`column "${key}" has ${value.length} values but column "${first}" has ${nrow}`, {
        location: locationAt(path, text, locate(text, [key])),
        hint: 'all columns must have one value per observation; write a missing value as null',
      });
    }
    const vals = value.map((v, i) => scalar(v, text, path, [key, i], `column "${key}", element ${i + 1}`));
    columns.push(typeJsonColumn(key, vals));
  }
  if (nrow === 0) {
    throw new Lmer2JagsError(`the columns in ${path} are empty: there are no observations`, {
      location: locationAt(path, text, firstNonBlank(text)),
      hint: 'give each column one value per observation',
    });
  }
  return makeTable(path, columns);
}

function checkName(key: string, text: string, path: string, at: (string | number)[]): void {
  if (key.trim() === '') {
    throw new Lmer2JagsError(`a column has an empty name ("${key}")`, {
      location: locationAt(path, text, locate(text, at, true)),
      hint: 'give every column a name that a formula can refer to',
    });
  }
}

function scalar(v: unknown, text: string, path: string, at: (string | number)[], where: string): Scalar {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  throw new Lmer2JagsError(`${where} is ${describe(v)}; nested values are not supported`, {
    location: locationAt(path, text, locate(text, at)),
    hint: 'each value must be a number, a string, true/false or null; flatten nested data into separate columns',
  });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `the ${typeof v} ${String(v)}`;
}

const NUMERIC_WORDS: ReadonlyMap<string, number> = new Map([
  ['NA', NaN],
  ['NaN', NaN],
  ['Inf', Infinity],
  ['-Inf', -Infinity],
]);

/** Type one column the way jsonlite's simplification (R's coercion rules) would. */
function typeJsonColumn(name: string, vals: readonly Scalar[]): Column {
  let nNum = 0;
  let nBool = 0;
  let plainStrings = 0;
  let specialStrings = 0;
  for (const v of vals) {
    if (typeof v === 'number') nNum++;
    else if (typeof v === 'boolean') nBool++;
    else if (typeof v === 'string') {
      if (NUMERIC_WORDS.has(v) && v !== 'NA') specialStrings++;
      else if (v !== 'NA') plainStrings++;
    }
  }
  const n = vals.length;
  if (plainStrings > 0) {
    return factorFromStrings(
      name,
      vals.map((v) => (v === null ? null : typeof v === 'number' ? numberLabel(v) : typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : v)),
    );
  }
  if (nNum > 0 || specialStrings > 0) {
    const values = new Float64Array(n);
    let integer = true;
    for (let i = 0; i < n; i++) {
      const v = vals[i];
      let x: number;
      if (typeof v === 'number') x = v;
      else if (typeof v === 'boolean') x = v ? 1 : 0;
      else if (typeof v === 'string') {
        x = NUMERIC_WORDS.get(v) as number;
        if (v !== 'NA') integer = false;
      } else x = NaN;
      if (!Number.isNaN(x) && !(Number.isInteger(x) && Math.abs(x) <= 2147483647)) integer = false;
      values[i] = x;
    }
    return { kind: 'numeric', name, values, integer };
  }
  const values = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    values[i] = typeof v === 'boolean' ? (v ? 1 : 0) : -1;
  }
  return { kind: 'logical', name, values };
}

// ---------------------------------------------------------------------------------------
// Positions: a small JSON walker, used only to point error messages at the right place.

class JsonSyntax {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

function firstNonBlank(t: string): number {
  return skipWs(t, 0);
}

function skipWs(t: string, i: number): number {
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  return i;
}

function skipString(t: string, i: number): number {
  // t[i] is the opening quote
  const open = i;
  i++;
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 92) {
      const e = t[i + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) throw new JsonSyntax(i, 'bad \\u escape in a string');
        i += 6;
        continue;
      }
      if (e === undefined || !'"\\/bfnrt'.includes(e)) throw new JsonSyntax(i, 'bad escape in a string');
      i += 2;
      continue;
    }
    if (c < 32) throw new JsonSyntax(i, 'a control character (such as a line break) inside a string');
    i++;
  }
  throw new JsonSyntax(open, 'unterminated string: the quote that opens it is never closed');
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Offset just after the value starting at (or after blanks from) i; throws JsonSyntax. */
function skipValue(t: string, i: number, visit?: (key: string | number, at: number) => boolean): number {
  i = skipWs(t, i);
  if (i >= t.length) throw new JsonSyntax(i, 'unexpected end of input');
  const c = t[i];
  if (c === '"') return skipString(t, i);
  if (c === '{' || c === '[') {
    const close = c === '{' ? '}' : ']';
    i = skipWs(t, i + 1);
    if (t[i] === close) return i + 1;
    for (let k = 0; ; k++) {
      let key: string | number = k;
      if (c === '{') {
        i = skipWs(t, i);
        if (t[i] !== '"') throw new JsonSyntax(i, 'expected a double-quoted property name');
        const end = skipString(t, i);
        key = JSON.parse(t.slice(i, end)) as string;
        i = skipWs(t, end);
        if (t[i] !== ':') throw new JsonSyntax(i, "expected ':' after a property name");
        i++;
      }
      const at = skipWs(t, i);
      if (visit && visit(key, at)) return at;
      i = skipWs(t, skipValue(t, at));
      if (t[i] === ',') {
        i++;
        continue;
      }
      if (t[i] === close) return i + 1;
      throw new JsonSyntax(i, `expected ',' or '${close}'`);
    }
  }
  for (const word of ['true', 'false', 'null']) if (t.startsWith(word, i)) return i + word.length;
  NUMBER_RE.lastIndex = i;
  if (NUMBER_RE.test(t)) return NUMBER_RE.lastIndex;
  throw new JsonSyntax(i, `unexpected character ${JSON.stringify(c)}`);
}

/**
 * The text offset of the value at `path` (array indices / object keys) in valid JSON text;
 * with `keyItself`, the offset of the last key rather than its value. Falls back to the
 * deepest position found.
 */
function locate(t: string, path: readonly (string | number)[], keyItself = false): number {
  let at = firstNonBlank(t);
  for (let d = 0; d < path.length; d++) {
    const want = path[d];
    let found = -1;
    try {
      skipValue(t, at, (key, pos) => {
        if (key === want) {
          found = pos;
          return true;
        }
        return false;
      });
    } catch {
      return at;
    }
    if (found < 0) return at;
    if (keyItself && d === path.length - 1) {
      // walk back from the value over ':' and blanks to the key's opening quote
      let k = found - 1;
      while (k > 0 && t[k] !== ':') k--;
      k--;
      while (k > 0 && t[k] !== '"') k--;
      k--;
      while (k > 0 && t[k] !== '"') k--;
      return k;
    }
    at = found;
  }
  return at;
}

function jsonSyntaxError(text: string, path: string, err: unknown): Lmer2JagsError {
  const raw = err instanceof Error ? err.message : String(err);
  let offset: number | undefined;
  let what = raw
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/,\s*".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '');
  try {
    const end = skipWs(text, skipValue(text, 0));
    if (end < text.length) {
      offset = end;
      what = 'unexpected text after the JSON value';
    }
  } catch (e) {
    if (e instanceof JsonSyntax) {
      offset = e.offset;
      what = e.message;
    }
  }
  if (offset === undefined) {
    const m = /at position (\d+)/.exec(raw);
    offset = m ? Number(m[1]) : /end of JSON input/.test(raw) ? text.length : 0;
  }
  return new Lmer2JagsError(`invalid JSON: ${what}`, {
    location: locationAt(path, text, offset),
    hint: 'fix the JSON syntax (strings in double quotes, no trailing commas, no comments), or check the file with a JSON validator',
    cause: err,
  });
}
