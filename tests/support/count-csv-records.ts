const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Counts CSV records (RFC 4180) in a byte stream fed in chunks of any size:
 * an oracle for tests, independent of the ingest's splitter and parser.
 * A line break inside a quoted field belongs to the field, so a review text
 * spread over three lines is one record, not three. CRLF, LF and bare CR all
 * end a record; blank lines are not records. Works on bytes: the three bytes
 * it looks at never occur inside a multi-byte UTF-8 sequence.
 */
export class CsvRecordCounter {
  private inQuotes = false;
  private recordHasBytes = false;
  private count = 0;

  push(chunk: Uint8Array): void {
    let inQuotes = this.inQuotes;
    let recordHasBytes = this.recordHasBytes;
    let count = this.count;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === QUOTE) {
        // An escaped quote ("") toggles twice, which leaves the state right.
        inQuotes = !inQuotes;
        recordHasBytes = true;
      } else if (!inQuotes && (byte === LF || byte === CR)) {
        if (recordHasBytes) count++;
        recordHasBytes = false;
      } else {
        recordHasBytes = true;
      }
    }
    this.inQuotes = inQuotes;
    this.recordHasBytes = recordHasBytes;
    this.count = count;
  }

  /** Records seen, including the header; a last record without a trailing newline counts. */
  records(): number {
    return this.count + (this.recordHasBytes ? 1 : 0);
  }

  /** Records after the header line. */
  dataRows(): number {
    return Math.max(this.records() - 1, 0);
  }
}

/** Data rows (records after the header) in a whole CSV held in memory. */
export function countCsvDataRows(body: Uint8Array): number {
  const counter = new CsvRecordCounter();
  counter.push(body);
  return counter.dataRows();
}
