/**
 * One entry point for data files: `readDataFile(path)` reads a CSV, JSON or R dump file into
 * a DataTable. The format comes from the extension (`.csv`; `.json`; `.R`, `.r`, `.dump`);
 * for `.txt` and anything else the content decides (JSON starts with `[` or `{`, an R dump
 * with `name <-`, otherwise CSV). Bytes are checked before parsing: missing or unreadable
 * files, empty files, binary files (NUL bytes, invalid UTF-8 near the start, known binary
 * signatures) and UTF-8 errors later in the file all become Lmer2JagsErrors.
 */

import { isUtf8 } from 'node:buffer';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { Lmer2JagsError, nearNames } from '../errors.js';
import { lineTextAt, parseCsv } from './csv.js';
import { parseJsonData } from './json.js';
import { rdumpToTable, readRDump } from './rdump.js';
import type { DataTable } from './table.js';

export type DataFormat = 'csv' | 'json' | 'rdump';

export interface DataReadResult {
  readonly table: DataTable;
  readonly format: DataFormat;
  /** Things the user may want to know (renamed columns, R dump variables not used as columns). */
  readonly notes: readonly string[];
}

/** Read a data file into a DataTable. */
export async function readDataFile(path: string): Promise<DataTable> {
  return (await readData(path)).table;
}

/** Read a data file: the table, its format, and notes worth reporting. */
export async function readData(path: string): Promise<DataReadResult> {
  const bytes = await readBytes(path);
  const text = decodeDataBytes(bytes, path);
  return parseDataText(text, path, detectFormat(path, text));
}

/** Parse decoded text in a known format. */
export function parseDataText(text: string, path: string, format: DataFormat): DataReadResult {
  switch (format) {
    case 'csv': {
      const { table, notes } = parseCsv(text, path);
      return { table, format, notes };
    }
    case 'json':
      return { table: parseJsonData(text, path), format, notes: [] };
    case 'rdump': {
      const { table, skipped } = rdumpToTable(readRDump(text, path), path);
      const notes = skipped.map((s) => `${s.name} is not a data column: ${s.reason}`);
      return { table, format, notes };
    }
  }
}

/** The format of a file: from its extension, else from its content. */
export function detectFormat(path: string, text: string): DataFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.r' || ext === '.dump') return 'rdump';
  return sniffFormat(text);
}

const RDUMP_START = /^(?:[A-Za-z.][A-Za-z0-9._]*|"[^"\r\n]*"|'[^'\r\n]*'|`[^`\r\n]*`)[ \t]*(?:<-|=(?!=))/;

/** Guess the format from the first meaningful characters. */
export function sniffFormat(text: string): DataFormat {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text[i] === '#') {
      // R comments; a CSV header never starts with '#'
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
      continue;
    }
    break;
  }
  const c = text[i];
  if (c === '[' || c === '{') return 'json';
  const head = text.slice(i, i + 1000);
  if (RDUMP_START.test(head) || /^list\s*\(/.test(head)) return 'rdump';
  return 'csv';
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw await fileReadError(path, err);
  }
}

/** The user-facing error for a failed read of `path` (ENOENT, EACCES, EISDIR, ...). */
export async function fileReadError(path: string, err: unknown): Promise<Lmer2JagsError> {
  const code = (err as NodeJS.ErrnoException).code;
  const location = { kind: 'file' as const, path };
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR': {
      const near = await nearFiles(path);
      return new Lmer2JagsError(`no such file: ${path}`, {
        location,
        hint:
          near.length > 0
            ? `did you mean ${near.map((n) => JSON.stringify(n)).join(' or ')}?`
            : `check the path (a relative path starts from ${process.cwd()})`,
        cause: err,
      });
    }
    case 'EACCES':
    case 'EPERM':
      return new Lmer2JagsError(`cannot read ${path}: permission denied`, {
        location,
        hint: 'make the file readable (e.g. chmod u+r) or copy it somewhere you can read',
        cause: err,
      });
    case 'EISDIR':
      return new Lmer2JagsError(`${path} is a directory, not a data file`, {
        location,
        hint: 'give the path of a .csv, .json or .R (dump) file',
        cause: err,
      });
    default:
      return new Lmer2JagsError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`, {
        location,
        hint: 'check that the file exists and is readable',
        cause: err,
      });
  }
}

async function nearFiles(path: string): Promise<string[]> {
  try {
    const dir = dirname(path);
    const names = await readdir(dir);
    const near = nearNames(basename(path), names, 2);
    return near.map((n) => (dir === '.' && !path.startsWith('./') ? n : `${dir}/${n}`));
  } catch {
    return [];
  }
}

const SIGNATURES: readonly { bytes: readonly number[]; what: string; hint: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (an Excel .xlsx workbook?)', hint: 'export the sheet as CSV (File > Save As > CSV UTF-8)' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Excel .xls workbook', hint: 'export the sheet as CSV (File > Save As > CSV UTF-8)' },
  { bytes: [0x1f, 0x8b], what: 'gzip-compressed (an .rds or .RData file?)', hint: 'in R, write the data with write.csv(d, "data.csv", row.names = FALSE) or dump()' },
  { bytes: [0x52, 0x44, 0x58], what: 'a saved R workspace (.RData)', hint: 'in R, write the data with write.csv(d, "data.csv", row.names = FALSE) or dump()' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document', hint: 'give the data file itself (.csv, .json or R dump)' },
];

const SNIFF = 8000;

/**
 * Check that bytes are UTF-8 text and decode them. Binary content (known signatures, NUL
 * bytes or invalid UTF-8 in the first 8000 bytes, UTF-16) is refused as "looks binary"; an
 * invalid byte later is reported with its line.
 */
export function decodeDataBytes(bytes: Uint8Array, path: string): string {
  if (bytes.length === 0) {
    throw new Lmer2JagsError(`${path} is empty (0 bytes)`, {
      location: { kind: 'file', path },
      hint: 'write the data into the file first: a CSV with a header line, a JSON array of records, or an R dump',
    });
  }
  for (const sig of SIGNATURES) {
    if (sig.bytes.every((b, i) => bytes[i] === b)) {
      throw new Lmer2JagsError(`${path} looks binary: it is ${sig.what}, not a text data file`, { location: { kind: 'file', path }, hint: sig.hint });
    }
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new Lmer2JagsError(`${path} is UTF-16 text; lmer2jags reads UTF-8`, {
      location: { kind: 'file', path },
      hint: 'save the file as UTF-8 (e.g. "CSV UTF-8" in Excel, or iconv -f UTF-16 -t UTF-8)',
    });
  }
  const head = bytes.subarray(0, Math.min(bytes.length, SNIFF));
  const nul = head.indexOf(0);
  if (nul >= 0) {
    throw new Lmer2JagsError(`${path} looks binary: it contains a NUL byte at byte ${nul + 1}`, {
      location: { kind: 'file', path },
      hint: 'give a text data file: CSV, JSON or an R dump (spreadsheets must be exported as CSV)',
    });
  }
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8(bytes);
    // Invalid UTF-8 near the start of something that is not text-like is binary; text in
    // another encoding (Latin-1 "Müller") gets the encoding message with its line.
    if (bad < SNIFF && !looksLikeText(head)) {
      throw new Lmer2JagsError(`${path} looks binary: byte ${bad + 1} is not valid UTF-8 text`, {
        location: { kind: 'file', path },
        hint: 'give a text data file (CSV, JSON or an R dump) saved as UTF-8',
      });
    }
    const before = Buffer.from(bytes.buffer, bytes.byteOffset, bad).toString('utf8');
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < before.length; i++) {
      if (before.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    const lineText = lineTextAt(before, lineStart) + Buffer.from(bytes.subarray(bad, Math.min(bytes.length, bad + 40))).toString('latin1').split(/\r|\n/)[0];
    throw new Lmer2JagsError(`${path} is not valid UTF-8: line ${line} has a byte that is not UTF-8 (0x${bytes[bad].toString(16).toUpperCase().padStart(2, '0')})`, {
      location: { kind: 'file', path, line, column: before.length - lineStart + 1, lineText },
      hint: 'the file is probably in another encoding (Latin-1 / Windows-1252); save it as UTF-8, e.g. iconv -f latin1 -t utf-8',
    });
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}

/** Few control characters and mostly ASCII: text, whatever its encoding. */
function looksLikeText(head: Uint8Array): boolean {
  let control = 0;
  let high = 0;
  for (const b of head) {
    if (b >= 0x80) high++;
    else if (b < 0x20 && b !== 9 && b !== 10 && b !== 13 && b !== 12) control++;
  }
  return control === 0 && high <= head.length * 0.3;
}

/** Offset of the first byte that breaks UTF-8 (bytes.length if none). */
function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return n;
}
