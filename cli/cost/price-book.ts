/**
 * The dated price book (`config/prices/*.json`). Every figure `strata cost`
 * multiplies by comes from here, with its unit and source, so a line's formula
 * can be checked against the provider's page.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from '../../config/load-environment.ts';
import { REPO_ROOT } from '../synth-platform.ts';

export const PRICES_DIR = join(REPO_ROOT, 'config', 'prices');
/** A book older than this is still used, with a warning: list prices move. */
export const STALE_AFTER_DAYS = 180;

export interface PriceRow {
  readonly id: string;
  readonly description: string;
  readonly unit: string;
  readonly price: number;
  readonly region: string;
  readonly source: string;
  readonly read: string;
  readonly free?: boolean;
  /** The file it came from, for messages. */
  readonly file: string;
}

export interface PriceBook {
  readonly rows: ReadonlyMap<string, PriceRow>;
  /** Region per cloud, as the books declare it. */
  readonly regions: Readonly<Record<string, string>>;
  /** The oldest read date over all rows (YYYY-MM-DD). */
  readonly oldestRead: string;
  readonly files: string[];
  /** Looks up a row; a missing row is a config error naming the file to add it to. */
  price(id: string): PriceRow;
  has(id: string): boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Reads and validates every `*.json` under the folder; all problems are reported at once. */
export function loadPriceBook(dir = PRICES_DIR): PriceBook {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const problems: string[] = [];
  const rows = new Map<string, PriceRow>();
  const regions: Record<string, string> = {};
  if (files.length === 0) problems.push(`${show(dir)}: no price book (*.json) found`);
  for (const name of files) {
    const file = show(join(dir, name));
    let book: unknown;
    try {
      book = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch (error) {
      problems.push(`${file}: not valid JSON: ${(error as Error).message}`);
      continue;
    }
    const top = book as { cloud?: unknown; region?: unknown; currency?: unknown; items?: unknown };
    if (typeof top.cloud !== 'string') problems.push(`${file}: cloud: required; must be a string such as "aws" or "azure"`);
    if (typeof top.region !== 'string') problems.push(`${file}: region: required; must be the region the prices are for`);
    if (top.currency !== 'USD') problems.push(`${file}: currency = ${JSON.stringify(top.currency)}: must be "USD" (every line is summed in one currency)`);
    if (typeof top.cloud === 'string' && typeof top.region === 'string') regions[top.cloud] = top.region;
    if (!Array.isArray(top.items)) {
      problems.push(`${file}: items: required; must be a list of price rows`);
      continue;
    }
    top.items.forEach((item: Record<string, unknown>, index: number) => {
      const where = `${file}: items[${index}]${typeof item.id === 'string' ? ` (${item.id})` : ''}`;
      const before = problems.length;
      for (const key of ['id', 'description', 'unit', 'region', 'source', 'read'] as const) {
        if (typeof item[key] !== 'string' || (item[key] as string).length === 0) problems.push(`${where}: ${key}: required; must be a non-empty string`);
      }
      const allowed = new Set(['id', 'description', 'unit', 'price', 'region', 'source', 'read', 'free']);
      for (const key of Object.keys(item)) if (!allowed.has(key)) problems.push(`${where}: ${key}: unknown key; allowed here: ${[...allowed].sort().join(', ')}`);
      if (typeof item.price !== 'number' || !Number.isFinite(item.price) || item.price < 0) problems.push(`${where}: price = ${JSON.stringify(item.price)}: must be a number >= 0`);
      else if (item.price === 0 && item.free !== true) problems.push(`${where}: price = 0: a zero price must be marked "free": true (otherwise it is a missing price)`);
      if (item.free !== undefined && typeof item.free !== 'boolean') problems.push(`${where}: free = ${JSON.stringify(item.free)}: must be true or false`);
      if (typeof item.source === 'string' && !/^https:\/\/\S+$/.test(item.source)) problems.push(`${where}: source = ${JSON.stringify(item.source)}: must be an https:// URL of the published price`);
      if (typeof item.read === 'string' && (!DATE.test(item.read) || Number.isNaN(Date.parse(item.read)))) problems.push(`${where}: read = ${JSON.stringify(item.read)}: must be the date the price was read, YYYY-MM-DD`);
      if (typeof item.id === 'string' && rows.has(item.id)) problems.push(`${where}: id "${item.id}" is also in ${rows.get(item.id)!.file}; ids must be unique across the book`);
      if (problems.length === before) rows.set(item.id as string, { ...(item as unknown as Omit<PriceRow, 'file'>), file });
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const oldestRead = [...rows.values()].map((row) => row.read).sort()[0] ?? '';
  return {
    rows,
    regions,
    oldestRead,
    files: files.map((name) => show(join(dir, name))),
    has: (id) => rows.has(id),
    price(id) {
      const row = rows.get(id);
      if (!row) throw new ConfigError([`${show(dir)}: no price row "${id}"; add one (id, description, unit, price, region, source, read) to the book of its cloud`]);
      return row;
    },
  };
}

/** Warnings about the book's age, against `today` (YYYY-MM-DD). */
export function staleWarnings(book: PriceBook, today: string): string[] {
  const limit = Date.parse(today) - STALE_AFTER_DAYS * 86_400_000;
  const stale = [...book.rows.values()].filter((row) => Date.parse(row.read) < limit);
  if (stale.length === 0) return [];
  const days = Math.floor((Date.parse(today) - Date.parse(book.oldestRead)) / 86_400_000);
  return [
    `warning: ${stale.length} price row(s) were read more than ${STALE_AFTER_DAYS} days ago (oldest ${book.oldestRead}, ${days} days): re-read them from their source URLs (e.g. ${stale[0]!.id}: ${stale[0]!.source})`,
  ];
}

function show(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}
