/** Plain text renderings of rows: an aligned table, JSON lines, CSV. */

export interface Grid {
  readonly columns: readonly string[];
  /** Cells as text; null is SQL NULL. */
  readonly rows: readonly (readonly (string | null)[])[];
  /** Columns whose cells align right (numbers). */
  readonly numeric?: readonly boolean[];
}

/** Columns two spaces apart, a dashed rule under the header, numbers right-aligned; a NULL shows as `NULL`. */
export function alignedTable(grid: Grid): string[] {
  const shown = grid.rows.map((row) => row.map((cell) => (cell === null ? 'NULL' : cell.replace(/\r?\n/g, '\\n'))));
  const widths = grid.columns.map((column, index) => Math.max(column.length, ...shown.map((row) => row[index]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => (grid.numeric?.[index] ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [line(grid.columns), widths.map((width) => '-'.repeat(width)).join('  '), ...shown.map(line)];
}

const csvCell = (cell: string | null) => (cell === null ? '' : /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);

/** RFC 4180: a header, then the rows; NULL is an empty field. */
export function csvLines(grid: Grid): string[] {
  return [grid.columns.map(csvCell).join(','), ...grid.rows.map((row) => row.map(csvCell).join(','))];
}
