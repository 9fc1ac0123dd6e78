/**
 * buildTrusted as a specification: what happens to each kind of broken raw
 * row, on real DuckDB over CSV files in a temp lake. Nothing is lost: every
 * raw row ends in trusted or in quarantine with the reason.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTrusted, type TrustedBuild } from '../../../lambdas/transform/build-trusted.ts';
import { datasetNamed } from '../../support/catalog.ts';
import { lakePerTest, type TestLake } from '../../pipelines/support/lake.ts';

let lake: TestLake;
lakePerTest((opened) => (lake = opened));

const build = (table: string) => lake.build(table);
const quarantine = (table: string, orderBy = 'reason') => lake.table('dataquality', `quarantine/${table}`, orderBy);
const trusted = (table: string, orderBy?: string) => lake.table('trusted', table, orderBy);

/** Every raw row is accounted for, by the build's counts and by what is stored. */
async function expectNothingLost(result: TrustedBuild, table: string): Promise<void> {
  expect(result.status).toBe('built');
  expect(result.rowsIn).toBe(result.rowsOut + result.quarantined);
  expect((await trusted(table)).length).toBe(result.rowsOut);
  expect((await quarantine(table)).length).toBe(result.quarantined);
}

const ORDER = (id: string, status = 'delivered', purchased = '2017-10-02 10:56:33', approved = '') =>
  `${id},c1,${status},${purchased},${approved},,,2017-10-18 00:00:00`;

describe('buildTrusted', () => {
  it('keeps good rows and quarantines nothing when the input is clean', async () => {
    lake.writeRaw('orders', [ORDER('o1'), ORDER('o2')]);
    const result = await build('orders');
    expect(result).toMatchObject({ table: 'orders', status: 'built', rawFiles: 1, rowsIn: 2, rowsOut: 2, quarantined: 0 });
    expect(result.trustedFiles).toBeGreaterThan(0);
    expect(result.trustedBytes).toBeGreaterThan(0);
    await expectNothingLost(result, 'orders');
  });

  it('quarantines rows whose price is not a number, keeping the field as it arrived', async () => {
    lake.writeRaw('order_items', ['o1,1,p1,s1,,29.90,1.00', 'o2,1,p1,s1,,R$ 12,00', 'o3,1,p1,s1,,abc,1.00']);
    const result = await build('order_items');
    expect(result).toMatchObject({ rowsIn: 3, rowsOut: 1, quarantined: 2 });
    // "R$ 12,00" splits on its comma into price "R$ 12" and freight "00".
    expect(await quarantine('order_items', 'order_id')).toEqual([
      expect.objectContaining({ order_id: 'o2', price: 'R$ 12', freight_value: '00', reason: 'price: not a decimal number' }),
      expect.objectContaining({ order_id: 'o3', price: 'abc', reason: 'price: not a decimal number' }),
    ]);
    await expectNothingLost(result, 'order_items');
  });

  it('quarantines rows with an empty key, blank or whitespace only', async () => {
    lake.writeRaw('orders', [ORDER('o1'), ORDER(''), ORDER('   ')]);
    const result = await build('orders');
    expect(result).toMatchObject({ rowsIn: 3, rowsOut: 1, quarantined: 2 });
    const rows = await quarantine('orders');
    expect(rows.map((row) => row.reason)).toEqual(['order_id: required, but empty', 'order_id: required, but empty']);
    // The original text, spaces included, not the trimmed value (an empty field is empty text).
    expect(rows.map((row) => row.order_id).sort()).toEqual(['', '   ']);
    await expectNothingLost(result, 'orders');
  });

  it('quarantines rows whose timestamp does not parse, required or not', async () => {
    lake.writeRaw('orders', [ORDER('o1'), ORDER('o2', 'delivered', '2017-13-45 10:00:00'), ORDER('o3', 'delivered', '2017-10-02 10:00:00', 'yesterday')]);
    const result = await build('orders');
    expect(result).toMatchObject({ rowsIn: 3, rowsOut: 1, quarantined: 2 });
    expect(await quarantine('orders', 'order_id')).toEqual([
      expect.objectContaining({ order_id: 'o2', order_purchase_timestamp: '2017-13-45 10:00:00', reason: 'order_purchase_timestamp: not a timestamp (yyyy-MM-dd HH:mm:ss)' }),
      expect.objectContaining({ order_id: 'o3', order_approved_at: 'yesterday', reason: 'order_approved_at: not a timestamp (yyyy-MM-dd HH:mm:ss)' }),
    ]);
  });

  it('quarantines rows whose status is not an accepted value (case and spaces aside)', async () => {
    lake.writeRaw('orders', [ORDER('o1', ' Shipped '), ORDER('o2', 'lost')]);
    const result = await build('orders');
    expect(result).toMatchObject({ rowsIn: 2, rowsOut: 1, quarantined: 1 });
    expect((await trusted('orders')).map((row) => row.order_status)).toEqual(['shipped']);
    expect(await quarantine('orders')).toEqual([expect.objectContaining({ order_id: 'o2', order_status: 'lost', reason: 'order_status: not an accepted value' })]);
  });

  it('quarantines values out of range: a review score of 7, a negative price', async () => {
    lake.writeRaw('order_reviews', ['r1,o1,5,,,2018-01-18 00:00:00,', 'r2,o2,7,,,2018-01-18 00:00:00,', 'r3,o3,0,,,2018-01-18 00:00:00,']);
    lake.writeRaw('order_items', ['o1,1,p1,s1,,0,0', 'o2,1,p1,s1,,-0.01,1']);
    expect(await build('order_reviews')).toMatchObject({ rowsIn: 3, rowsOut: 1, quarantined: 2 });
    expect((await quarantine('order_reviews', 'review_id')).map((row) => [row.review_id, row.reason])).toEqual([
      ['r2', 'review_score: above the maximum 5'],
      ['r3', 'review_score: below the minimum 1'],
    ]);
    expect(await build('order_items')).toMatchObject({ rowsIn: 2, rowsOut: 1, quarantined: 1 });
    expect(await quarantine('order_items')).toEqual([expect.objectContaining({ order_id: 'o2', price: '-0.01', reason: 'price: below the minimum 0' })]);
  });

  it('names every rule a row breaks, separated by "; "', async () => {
    lake.writeRaw('order_items', [',0,p1,s1,,x,-1']);
    await build('order_items');
    expect((await quarantine('order_items')).map((row) => row.reason)).toEqual([
      'order_id: required, but empty; order_item_id: below the minimum 1; price: not a decimal number; freight_value: below the minimum 0',
    ]);
  });

  it('quarantines a line with an extra field, with the raw line and why', async () => {
    lake.writeRaw('orders', [ORDER('o1'), `${ORDER('o2')},surplus`, ORDER('o3')]);
    const result = await build('orders');
    expect(result).toMatchObject({ rowsIn: 3, rowsOut: 2, quarantined: 1 });
    const [rejected] = await quarantine('orders');
    expect(rejected!.record).toBe(`${ORDER('o2')},surplus`);
    expect(rejected!.reason_kind).toBe('unparseable');
    expect(rejected!.reason).toMatch(/^record 2: 9 fields, expected 8/);
    expect(rejected!._source_file).toMatch(/^raw\/orders\/ingest_date=2026-01-01\/x\.csv$/);
    expect(rejected!._record_number).toBe('2');
    expect((await trusted('orders', 'order_id')).map((row) => row.order_id)).toEqual(['o1', 'o3']);
    await expectNothingLost(result, 'orders');
  });

  it('keeps the later of two rows with the same key in one file and quarantines the superseded one', async () => {
    lake.writeRaw('orders', [ORDER('o1', 'shipped'), ORDER('o2'), ORDER(' o1 ', 'delivered')]);
    const result = await build('orders');
    expect(result).toMatchObject({ rowsIn: 3, rowsOut: 2, quarantined: 1 });
    expect((await trusted('orders', 'order_id')).map((row) => [row.order_id, row.order_status])).toEqual([
      ['o1', 'delivered'],
      ['o2', 'delivered'],
    ]);
    expect(await quarantine('orders')).toEqual([
      expect.objectContaining({
        order_id: 'o1',
        order_status: 'shipped',
        reason_kind: 'superseded',
        reason: 'duplicate key (order_id): superseded by the later record raw/orders/ingest_date=2026-01-01/x.csv #3',
      }),
    ]);
  });

  it('keeps the row of the later ingest date over an earlier one with the same key', async () => {
    lake.writeRaw('order_items', ['o1,1,p1,s1,,10.00,1.00', 'o1,2,p1,s1,,11.00,1.00'], { ingestDate: '2026-01-01' });
    lake.writeRaw('order_items', ['o1,1,p1,s1,,12.50,1.00'], { ingestDate: '2026-01-02' });
    const result = await build('order_items');
    expect(result).toMatchObject({ rawFiles: 2, rowsIn: 3, rowsOut: 2, quarantined: 1 });
    expect((await trusted('order_items', 'order_item_id')).map((row) => [row.order_item_id, row.price])).toEqual([
      ['1', '12.50'],
      ['2', '11.00'],
    ]);
    const [superseded] = await quarantine('order_items');
    expect(superseded).toMatchObject({
      order_id: 'o1',
      order_item_id: '1',
      price: '10.00',
      reason: 'duplicate key (order_id, order_item_id): superseded by the later record raw/order_items/ingest_date=2026-01-02/x.csv #1',
    });
    expect(superseded!._source_file).toMatch(/ingest_date=2026-01-01\/x\.csv$/);
  });

  it('keeps exactly one of two identical lines', async () => {
    lake.writeRaw('sellers', ['s1,13000,campinas,SP', 's1,13000,campinas,SP']);
    expect(await build('sellers')).toMatchObject({ rowsIn: 2, rowsOut: 1, quarantined: 1 });
  });

  it('does not let a later bad row replace an earlier good one with the same key', async () => {
    lake.writeRaw('orders', [ORDER('o1', 'shipped'), ORDER('o1', 'lost')]);
    expect(await build('orders')).toMatchObject({ rowsIn: 2, rowsOut: 1, quarantined: 1 });
    expect((await trusted('orders')).map((row) => row.order_status)).toEqual(['shipped']);
    expect((await quarantine('orders')).map((row) => row.reason)).toEqual(['order_status: not an accepted value']);
  });

  it('quarantines every record of a file that lacks a column, naming it, and goes on with the table’s other files', async () => {
    lake.writeRaw('orders', [ORDER('o1')], { ingestDate: '2026-01-01' });
    lake.writeRaw('orders', ['o2,c2,2017-10-02 10:56:33,,,,2017-10-18 00:00:00'], {
      ingestDate: '2026-01-02',
      file: 'upload.csv',
      header: 'order_id,customer_id,order_purchase_timestamp,order_approved_at,order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date',
    });
    const result = await build('orders');
    expect(result).toMatchObject({ table: 'orders', status: 'built', rowsIn: 2, rowsOut: 1, quarantined: 1 });
    const [rejected] = await quarantine('orders');
    expect(rejected).toMatchObject({ reason_kind: 'unparseable', _source_file: 'raw/orders/ingest_date=2026-01-02/upload.csv' });
    expect(rejected!.reason).toMatch(/missing column\(s\) order_status\b/);
    await expectNothingLost(result, 'orders');
  });

  it('builds an empty table from an empty file', async () => {
    lake.writeRaw('sellers', []);
    const result = await build('sellers');
    expect(result).toMatchObject({ status: 'built', rowsIn: 0, rowsOut: 0, quarantined: 0 });
  });

  it('accounts for every raw row: raw = trusted + quarantined, on a mix of every kind of breakage', async () => {
    lake.writeRaw('order_reviews', [
      'r1,o1,5,,"multi\nline, with comma",2018-01-18 00:00:00,2018-01-19 00:00:00',
      'r2,o2,x,,,2018-01-18 00:00:00,',
      ',o3,3,,,2018-01-18 00:00:00,',
      'r4,o4,4,,,not a date,',
      'r5,o5,4,,,2018-01-18 00:00:00,,extra',
      'r6,o6,9,,,2018-01-18 00:00:00,',
      'r1,o1,4,,,2018-01-20 00:00:00,',
    ]);
    lake.writeRaw('order_reviews', ['r7,o7,3,,,2018-02-01 00:00:00,', 'r7,o7,2,,,2018-02-02 00:00:00,'], { ingestDate: '2026-01-02' });
    const result = await build('order_reviews');
    expect(result).toMatchObject({ rawFiles: 2, rowsIn: 9, rowsOut: 2, quarantined: 7 });
    await expectNothingLost(result, 'order_reviews');
    expect((await trusted('order_reviews', 'review_id')).map((row) => [row.review_id, row.review_score])).toEqual([
      ['r1', '4'],
      ['r7', '2'],
    ]);
  });

  it('counts a line with two extra fields once, and quarantines it once', async () => {
    lake.writeRaw('order_reviews', ['r1,o1,5,,,2018-01-18 00:00:00,', 'r5,o5,4,,,2018-01-18 00:00:00,,extra,fields', 'r6,o6,4,,,2018-01-18 00:00:00,']);
    const result = await build('order_reviews');
    expect(result).toMatchObject({ rowsIn: 3, rowsOut: 2, quarantined: 1 });
    expect((await quarantine('order_reviews')).map((row) => row.record)).toEqual(['r5,o5,4,,,2018-01-18 00:00:00,,extra,fields']);
  });

  it('counts a line with missing fields once, and quarantines it once', async () => {
    lake.writeRaw('order_reviews', ['r1,o1,5,,,2018-01-18 00:00:00,', 'r9,o9,3']);
    const result = await build('order_reviews');
    expect(result).toMatchObject({ rowsIn: 2, rowsOut: 1, quarantined: 1 });
    expect((await quarantine('order_reviews')).map((row) => row.record)).toEqual(['r9,o9,3']);
  });

  it('skips a re-run with nothing new, and a full refresh gives the same rows without adding to them', async () => {
    lake.writeRaw('orders', [ORDER('o1'), ORDER('o1', 'shipped'), ORDER('o2', 'lost'), ORDER('o3', 'delivered', '2018-03-01 00:00:00'), `${ORDER('o4')},x`]);
    const first = await build('orders');
    expect(first).toMatchObject({ status: 'built', rowsIn: 5, rowsOut: 2, quarantined: 3 });
    const trustedRows = await trusted('orders', 'order_id');
    const quarantineRows = await quarantine('orders', '_record_number');
    const again = await build('orders');
    expect(again).toMatchObject({ status: 'skipped', rowsIn: 0, rowsOut: 2, quarantined: 0, bytesRead: 0, bytesWritten: 0 });
    const refreshed = await lake.build('orders', { fullRefresh: true, runId: 'run-2' });
    expect(refreshed).toMatchObject({ status: 'built', fullRefresh: true, rowsIn: 5, rowsOut: 2, quarantined: 3 });
    expect(await trusted('orders', 'order_id')).toEqual(trustedRows);
    const strip = (rows: Record<string, string | null>[]) => rows.map(({ quarantined_run: _run, ...row }) => row);
    expect(strip(await quarantine('orders', '_record_number'))).toEqual(strip(quarantineRows));
    // Only the committed versions and the ones they replaced are left: a version folder per partition and commit.
    expect(readdirSync(join(lake.root, 'trusted'))).toEqual(['orders']);
    expect(readdirSync(join(lake.root, 'trusted', 'orders', '_v')).length).toBeLessThanOrEqual(2);
  });

  it('keeps a quarantined row’s original field text, its reason and its source file', async () => {
    lake.writeRaw('order_payments', ['o1,1, Credit Card ,  three ,  1.234,56 ']);
    lake.writeRaw('order_payments', ['o1,1,PIX,1,10'], { ingestDate: '2026-01-02' });
    const result = await build('order_payments');
    expect(result).toMatchObject({ rowsIn: 2, rowsOut: 0 });
    const rows = await quarantine('order_payments', '_source_file');
    // One line has six fields: rejected whole, the record kept as it was.
    expect(rows.find((row) => row.record !== null)).toMatchObject({ record: 'o1,1, Credit Card ,  three ,  1.234,56 ', order_id: null });
    expect(rows.find((row) => row.record === null)).toMatchObject({
      order_id: 'o1',
      payment_sequential: '1',
      payment_type: 'PIX',
      payment_installments: '1',
      payment_value: '10',
      reason: 'payment_type: not an accepted value',
    });
    expect(Object.keys(rows[0]!)).toEqual([
      'order_id',
      'payment_sequential',
      'payment_type',
      'payment_installments',
      'payment_value',
      'reason',
      'reason_kind',
      'record',
      'record_base64',
      'record_file',
      '_ingested_at',
      '_source_file',
      '_record_number',
      'quarantined_run',
      'quarantine_date',
    ]);
  });
});
