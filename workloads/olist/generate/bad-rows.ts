/**
 * Malformed rows, the ways real uploads break. Each bad row is an extra line,
 * a corrupted copy of the clean row just written, so the clean rows stay
 * complete and referentially consistent and a pipeline can be checked for
 * quarantining exactly the declared rows.
 */
import type { DatasetDefinition } from '../../../pipelines/datasets/dataset.ts';
import { CsvFileWriter, csvLine } from '../../../pipelines/workloads/generate/csv-writer.ts';
import { Random } from '../../../pipelines/workloads/generate/random.ts';

export const BAD_ROW_KINDS = ['unparseable_date', 'unparseable_number', 'duplicate', 'extra_field', 'empty_key', 'out_of_range'] as const;
export type BadRowKind = (typeof BAD_ROW_KINDS)[number];

/** Which column of a file each kind corrupts; a kind without a column does not apply to that file. */
export interface CorruptionTargets {
  readonly date?: string;
  readonly number?: string;
  readonly outOfRange?: { readonly column: string; readonly value: (clean: string) => string };
}

const UNPARSEABLE_DATES = ['2018-13-05 08:00:00', '31/12/2017 14:03:00', 'N/A', '2017-02-30 10:15:00', '20170615'];
// Brazilian decimal commas and thousands dots are the usual culprit, then currency symbols.
const UNPARSEABLE_NUMBERS = ['12,90', '1.299,90', 'R$ 45', 'abc'];

/** A minus sign keeps the value a parseable number, only outside its range. */
export const negate = (clean: string): string => (clean === '' || clean === '0' ? '-1' : `-${clean}`);

export function badRowCounts(): Record<BadRowKind, number> {
  return Object.fromEntries(BAD_ROW_KINDS.map((kind) => [kind, 0])) as Record<BadRowKind, number>;
}

/** Writes the clean rows of one file and, with the requested frequency, a bad row after one of them. */
export class RowSink {
  private readonly random: Random;
  private readonly kinds: readonly BadRowKind[];
  private readonly injectAfterRow: number;
  private readonly keyIndex: number;
  private readonly dateIndex: number;
  private readonly numberIndex: number;
  private readonly outOfRangeIndex: number;
  readonly injected = badRowCounts();
  readonly started = performance.now();
  cleanRows = 0;

  constructor(
    readonly writer: CsvFileWriter,
    dataset: DatasetDefinition,
    private readonly targets: CorruptionTargets,
    badRowFraction: number,
    seed: number,
  ) {
    const columnIndex = (name: string | undefined) => {
      if (name === undefined) return -1;
      const index = dataset.columns.findIndex((column) => column.name === name);
      if (index < 0) throw new Error(`bad-row target ${name} is not a column of ${dataset.name}`);
      return index;
    };
    this.keyIndex = columnIndex(dataset.primaryKey[0]);
    this.dateIndex = columnIndex(targets.date);
    this.numberIndex = columnIndex(targets.number);
    this.outOfRangeIndex = columnIndex(targets.outOfRange?.column);
    this.kinds = BAD_ROW_KINDS.filter(
      (kind) =>
        (kind !== 'unparseable_date' || this.dateIndex >= 0) &&
        (kind !== 'unparseable_number' || this.numberIndex >= 0) &&
        (kind !== 'out_of_range' || this.outOfRangeIndex >= 0),
    );
    // One bad row after a clean one with probability f/(1-f) makes f the share of bad rows in the file.
    this.injectAfterRow = badRowFraction >= 0.5 ? 1 : badRowFraction / (1 - badRowFraction);
    // Its own stream: the clean rows are the same with or without bad rows.
    this.random = new Random(seed, `bad-rows:${dataset.sourceFile}`);
  }

  async row(fields: string[]): Promise<void> {
    const line = csvLine(fields);
    await this.writer.writeLine(line);
    this.cleanRows++;
    if (this.injectAfterRow > 0 && this.random.next() < this.injectAfterRow) {
      const kind = this.random.pick(this.kinds);
      this.injected[kind]++;
      await this.writer.writeLine(this.corrupt(kind, fields, line));
    }
  }

  private corrupt(kind: BadRowKind, clean: readonly string[], cleanLine: string): string {
    const fields = [...clean];
    switch (kind) {
      case 'duplicate':
        return cleanLine;
      case 'extra_field':
        fields.push(this.random.pick(['', 'x', '1']));
        break;
      case 'empty_key':
        fields[this.keyIndex] = '';
        break;
      case 'unparseable_date':
        fields[this.dateIndex] = this.random.pick(UNPARSEABLE_DATES);
        break;
      case 'unparseable_number':
        fields[this.numberIndex] = this.random.pick(UNPARSEABLE_NUMBERS);
        break;
      case 'out_of_range':
        fields[this.outOfRangeIndex] = this.targets.outOfRange!.value(clean[this.outOfRangeIndex]!);
        break;
    }
    return csvLine(fields);
  }

  get badRows(): number {
    return Object.values(this.injected).reduce((sum, count) => sum + count, 0);
  }
}
