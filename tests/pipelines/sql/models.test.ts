import { beforeEach, describe, expect, it } from 'vitest';
import { buildRefined, modelInputs } from '../../../lambdas/transform/build-refined.ts';
import { cascadeParentsOf } from '../../../pipelines/quality/rules.ts';
import { stagedColumns } from '../../../pipelines/sql/compile.ts';
import { CATALOG, REFINED_DATASETS, TRUSTED_DATASETS, datasetNamed } from '../../support/catalog.ts';
import { partitionExpression } from '../../../pipelines/sql/compile.ts';
import { DIALECTS } from '../../../pipelines/sql/dialect.ts';
import { loadModel, loadModels, renderModel, type Relations, type SqlModel } from '../../../pipelines/sql/render.ts';
import { buildConsistentTables, CONSISTENT_TABLES, lakePerTest, type TestLake } from '../support/lake.ts';

const names: Relations = { source: (table) => `src_${table}`, ref: (layer, table) => `${layer}.${table}` };
const ALL_MODELS = [...loadModels('trusted'), ...loadModels('refined')];

describe('SQL models: rendering for every engine', () => {
  it('finds one model per trusted table and one per refined table', () => {
    expect(loadModels('trusted').map((model) => model.table)).toEqual(TRUSTED_DATASETS.map((dataset) => dataset.name).sort());
    expect(loadModels('refined').map((model) => model.table)).toEqual(REFINED_DATASETS.map((dataset) => dataset.name).sort());
  });

  for (const model of ALL_MODELS) {
    for (const dialect of DIALECTS) {
      it(`renders ${model.file} for ${dialect} with every macro expanded and no comment left`, () => {
        const sql = renderModel(model, dialect, names);
        expect(sql).not.toMatch(/\{\{|\}\}/);
        expect(sql).not.toMatch(/^\s*--/m);
        expect(sql).not.toMatch(/;\s*$/);
        expect(sql).toMatch(/^(select|with)\b/);
      });
    }
  }

  it('fails on an unknown macro, naming the file and the macro', () => {
    const model: SqlModel = { table: 'bogus', layer: 'trusted', folder: 'trusted', workload: 'olist', file: 'workloads/olist/sql/trusted/bogus.sql', text: 'select {{ frobnicate(x) }} from t' };
    expect(() => renderModel(model, 'duckdb', names)).toThrow(/workloads\/olist\/sql\/trusted\/bogus\.sql: unknown macro "frobnicate"/);
  });

  it('fails on a malformed macro call, naming the file', () => {
    const model: SqlModel = { table: 'bogus', layer: 'trusted', folder: 'trusted', workload: 'olist', file: 'workloads/olist/sql/trusted/bogus.sql', text: 'select {{ text(x }} from t' };
    expect(() => renderModel(model, 'duckdb', names)).toThrow(/workloads\/olist\/sql\/trusted\/bogus\.sql: malformed macro/);
  });

  it('refuses lineage() outside a trusted model, naming the file', () => {
    const model: SqlModel = { table: 'orders_enriched', layer: 'refined', folder: 'refined', workload: 'olist', file: 'workloads/olist/sql/refined/orders_enriched.sql', text: 'select {{ lineage() }} from t' };
    expect(() => renderModel(model, 'trino', names)).toThrow(/workloads\/olist\/sql\/refined\/orders_enriched\.sql: lineage\(\) belongs in trusted models/);
  });

  it('names what a model reads through the engine: sources and refs', () => {
    expect(renderModel(loadModel('trusted', 'orders'), 'trino', names)).toContain('from src_orders');
    const enriched = renderModel(loadModel('refined', 'orders_enriched'), 'spark', names);
    for (const table of ['order_items', 'orders', 'products', 'sellers', 'customers', 'order_payments', 'order_reviews']) {
      expect(enriched).toContain(`trusted.${table}`);
    }
  });

  it('casts with each engine’s type names: Spark says int, the others integer', () => {
    const items = loadModel('trusted', 'order_items');
    expect(renderModel(items, 'duckdb', names)).toContain("then try_cast(nullif(trim(order_item_id), '') as integer) end as order_item_id");
    expect(renderModel(items, 'trino', names)).toContain("then try_cast(nullif(trim(order_item_id), '') as integer) end as order_item_id");
    expect(renderModel(items, 'spark', names)).toContain("then try_cast(nullif(trim(order_item_id), '') as int) end as order_item_id");
    expect(renderModel(items, 'spark', names)).toContain("try_cast(nullif(trim(price), '') as decimal(12,2)) as price");
    expect(renderModel(loadModel('trusted', 'orders'), 'trino', names)).toContain(
      "lower(nullif(trim(order_status), '')) as order_status",
    );
  });

  it('builds the sorted distinct payment list with each engine’s own functions', () => {
    const enriched = loadModel('refined', 'orders_enriched');
    expect(renderModel(enriched, 'duckdb', names)).toContain("string_agg(distinct payment_type, ',' order by payment_type) as order_payment_types");
    expect(renderModel(enriched, 'trino', names)).toContain("array_join(array_sort(array_distinct(array_agg(payment_type))), ',') as order_payment_types");
    expect(renderModel(enriched, 'spark', names)).toContain("array_join(array_sort(collect_set(payment_type)), ',') as order_payment_types");
  });

  it('derives month partitions with each engine’s date formatting', () => {
    const orders = datasetNamed('orders', 'trusted');
    expect(partitionExpression(orders, 'duckdb')).toBe("strftime(order_purchase_timestamp, '%Y-%m')");
    expect(partitionExpression(orders, 'trino')).toBe("date_format(order_purchase_timestamp, '%Y-%m')");
    expect(partitionExpression(orders, 'spark')).toBe("date_format(order_purchase_timestamp, 'yyyy-MM')");
    expect(partitionExpression(datasetNamed('geolocation', 'trusted'), 'spark', 't.')).toBe('t.geolocation_state');
    expect(partitionExpression(datasetNamed('order_items', 'trusted'), 'trino')).toBeUndefined();
  });
});

describe('incremental refined tables', () => {
  for (const dataset of REFINED_DATASETS.filter((candidate) => candidate.incremental)) {
    it(`${dataset.name} declares how a change of every input its model reads reaches its key`, () => {
      const incremental = dataset.incremental!;
      const inputs = modelInputs(loadModel('refined', dataset.name).text);
      expect(inputs.every((input) => input.layer === 'trusted')).toBe(true);
      expect(Object.keys(incremental.changes).sort()).toEqual([...new Set(inputs.map((input) => input.table))].sort());
      expect(dataset.columns.map((column) => column.name)).toContain(incremental.key);
      for (const [table, change] of Object.entries(incremental.changes)) {
        const direct = change === 'direct' ? table : change.via;
        expect(incremental.changes[direct], `${table} reaches the key through ${direct}, a direct input`).toBe('direct');
        expect(datasetNamed(direct, 'trusted').columns.map((column) => column.name)).toContain(incremental.key);
        if (change !== 'direct') {
          expect(datasetNamed(table, 'trusted').columns.map((column) => column.name)).toContain(change.on);
          expect(datasetNamed(change.via, 'trusted').columns.map((column) => column.name)).toContain(change.on);
        }
      }
    });
  }
});

describe('SQL models on DuckDB', () => {
  let lake: TestLake;
  lakePerTest((opened) => (lake = opened));

  it('every trusted model outputs exactly its dataset’s columns, in order, then its lineage (ingest time, source file, record number, the raw fields)', async () => {
    for (const dataset of TRUSTED_DATASETS) {
      // No staged file: an empty relation with the staged columns.
      const staged = lake.engine.filesRelation('raw', [], stagedColumns(dataset));
      const sql = renderModel(loadModel('trusted', dataset.name), 'duckdb', { ...lake.engine.relations, source: () => staged });
      const described = await lake.engine.query<{ column_name: string }>(`describe ${sql}`);
      const columns = dataset.columns.map((column) => column.name);
      expect(described.map((column) => column.column_name), dataset.name).toEqual([
        ...columns,
        '_ingested_at',
        '_source_file',
        '_record_number',
        ...columns.map((name) => `_raw_${name}`),
      ]);
      // The raw copies stay text: the checks and the quarantine need the fields as they arrived.
      expect(described.slice(columns.length + 3).every((column) => (column as { column_type?: string }).column_type === 'VARCHAR'), dataset.name).toBe(true);
    }
  });

  it('orders: trims, lower-cases the status, turns blanks into nulls and types the timestamps', async () => {
    lake.writeRaw('orders', [
      ' o1 , c1 ,Delivered,2017-10-02 10:56:33, ,,2017-10-10 21:25:13,2017-10-18 00:00:00',
      'o2,c2,SHIPPED ,2018-02-13 08:00:00,2018-02-13 08:10:00,,,',
    ]);
    const build = await lake.build('orders');
    expect(build).toMatchObject({ status: 'built', rowsIn: 2, rowsOut: 2, quarantined: 0 });
    expect(await lake.table('trusted', 'orders', 'order_id')).toEqual([
      {
        order_id: 'o1',
        customer_id: 'c1',
        order_status: 'delivered',
        order_purchase_timestamp: '2017-10-02 10:56:33',
        order_approved_at: null,
        order_delivered_carrier_date: null,
        order_delivered_customer_date: '2017-10-10 21:25:13',
        order_estimated_delivery_date: '2017-10-18 00:00:00',
        purchase_month: '2017-10',
      },
      {
        order_id: 'o2',
        customer_id: 'c2',
        order_status: 'shipped',
        order_purchase_timestamp: '2018-02-13 08:00:00',
        order_approved_at: '2018-02-13 08:10:00',
        order_delivered_carrier_date: null,
        order_delivered_customer_date: null,
        order_estimated_delivery_date: null,
        purchase_month: '2018-02',
      },
    ]);
    const types = await lake.engine.query<{ column_name: string; column_type: string }>(
      `describe select * from ${lake.engine.relations.ref('trusted', 'orders')}`,
    );
    expect(Object.fromEntries(types.map((column) => [column.column_name, column.column_type]))).toMatchObject({
      order_id: 'VARCHAR',
      order_purchase_timestamp: 'TIMESTAMP',
      order_estimated_delivery_date: 'TIMESTAMP',
    });
  });

  it('order_items: integer sequence, decimal prices kept to the cent, blank freight is null', async () => {
    lake.writeRaw('order_items', ['o1,1,p1,s1,2017-10-06 11:07:15,29.99,8.72', 'o1, 2 ,p2,s1,,  100 ,', 'o2,1,p1,s2,2017-10-05 15:00:00,0.5,0']);
    const build = await lake.build('order_items');
    expect(build).toMatchObject({ status: 'built', rowsIn: 3, rowsOut: 3, quarantined: 0 });
    expect(await lake.table('trusted', 'order_items', 'order_id, order_item_id')).toEqual([
      { order_id: 'o1', order_item_id: '1', product_id: 'p1', seller_id: 's1', shipping_limit_date: '2017-10-06 11:07:15', price: '29.99', freight_value: '8.72' },
      { order_id: 'o1', order_item_id: '2', product_id: 'p2', seller_id: 's1', shipping_limit_date: null, price: '100.00', freight_value: null },
      { order_id: 'o2', order_item_id: '1', product_id: 'p1', seller_id: 's2', shipping_limit_date: '2017-10-05 15:00:00', price: '0.50', freight_value: '0.00' },
    ]);
    const types = await lake.engine.query<{ column_name: string; column_type: string }>(
      `describe select * from ${lake.engine.relations.ref('trusted', 'order_items')}`,
    );
    expect(Object.fromEntries(types.map((column) => [column.column_name, column.column_type]))).toMatchObject({
      order_item_id: 'INTEGER',
      price: 'DECIMAL(12,2)',
      freight_value: 'DECIMAL(12,2)',
      shipping_limit_date: 'TIMESTAMP',
    });
  });

  it('order_reviews: a quoted comment with a newline and a comma stays one row, text intact', async () => {
    lake.writeRaw('order_reviews', [
      'r1,o1,4,,,2018-01-18 00:00:00,2018-01-18 21:46:59',
      'r2,o2,1,"Ruim, muito ruim","Não chegou.\nQuero meu dinheiro, ""já""!",2018-03-10 00:00:00,2018-03-11 12:00:00',
      'r3,o3, 5 ,  Ótimo  ,   ,2018-03-01 00:00:00,',
    ]);
    const build = await lake.build('order_reviews');
    expect(build).toMatchObject({ status: 'built', rowsIn: 3, rowsOut: 3, quarantined: 0 });
    expect(await lake.table('trusted', 'order_reviews', 'review_id')).toEqual([
      {
        review_id: 'r1',
        order_id: 'o1',
        review_score: '4',
        review_comment_title: null,
        review_comment_message: null,
        review_creation_date: '2018-01-18 00:00:00',
        review_answer_timestamp: '2018-01-18 21:46:59',
        review_month: '2018-01',
      },
      {
        review_id: 'r2',
        order_id: 'o2',
        review_score: '1',
        review_comment_title: 'Ruim, muito ruim',
        review_comment_message: 'Não chegou.\nQuero meu dinheiro, "já"!',
        review_creation_date: '2018-03-10 00:00:00',
        review_answer_timestamp: '2018-03-11 12:00:00',
        review_month: '2018-03',
      },
      {
        review_id: 'r3',
        order_id: 'o3',
        review_score: '5',
        review_comment_title: 'Ótimo',
        review_comment_message: null,
        review_creation_date: '2018-03-01 00:00:00',
        review_answer_timestamp: null,
        review_month: '2018-03',
      },
    ]);
  });

  it('geolocation: doubles for coordinates, zip prefixes keep leading zeros, state upper-cased and partitioned', async () => {
    lake.writeRaw('geolocation', ['01037,-23.545621,-46.639292,sao paulo,sp', '01037,-23.546081,-46.644820, sao paulo ,SP', '69900, -9.97 ,-67.81,rio branco,AC']);
    const build = await lake.build('geolocation');
    expect(build).toMatchObject({ status: 'built', rowsIn: 3, rowsOut: 3, quarantined: 0 });
    expect(await lake.table('trusted', 'geolocation', 'geolocation_zip_code_prefix, geolocation_lat')).toEqual([
      { geolocation_zip_code_prefix: '01037', geolocation_lat: '-23.545621', geolocation_lng: '-46.639292', geolocation_city: 'sao paulo', geolocation_state: 'SP', state: 'SP' },
      { geolocation_zip_code_prefix: '01037', geolocation_lat: '-23.546081', geolocation_lng: '-46.64482', geolocation_city: 'sao paulo', geolocation_state: 'SP', state: 'SP' },
      { geolocation_zip_code_prefix: '69900', geolocation_lat: '-9.97', geolocation_lng: '-67.81', geolocation_city: 'rio branco', geolocation_state: 'AC', state: 'AC' },
    ]);
    const types = await lake.engine.query<{ column_name: string; column_type: string }>(
      `describe select * from ${lake.engine.relations.ref('trusted', 'geolocation')}`,
    );
    expect(Object.fromEntries(types.map((column) => [column.column_name, column.column_type]))).toMatchObject({
      geolocation_zip_code_prefix: 'VARCHAR',
      geolocation_lat: 'DOUBLE',
      geolocation_lng: 'DOUBLE',
    });
  });

  it('payments, customers, sellers, products, translations: typed and trimmed', async () => {
    lake.writeRaw('order_payments', ['o1,1, CREDIT_CARD ,3,99.9']);
    lake.writeRaw('customers', ['c1,u1,01001, sao paulo ,sp']);
    lake.writeRaw('sellers', ['s1,13000,campinas,Sp']);
    lake.writeRaw('products', ['p1,moveis,40,,2,500,20,10,15']);
    lake.writeRaw('product_category_name_translation', [' moveis , furniture ']);
    for (const table of ['order_payments', 'customers', 'sellers', 'products', 'product_category_name_translation']) {
      expect(await lake.build(table), table).toMatchObject({ status: 'built', rowsOut: 1, quarantined: 0 });
    }
    expect(await lake.table('trusted', 'order_payments')).toEqual([
      { order_id: 'o1', payment_sequential: '1', payment_type: 'credit_card', payment_installments: '3', payment_value: '99.90' },
    ]);
    expect(await lake.table('trusted', 'customers')).toEqual([
      { customer_id: 'c1', customer_unique_id: 'u1', customer_zip_code_prefix: '01001', customer_city: 'sao paulo', customer_state: 'SP' },
    ]);
    expect(await lake.table('trusted', 'sellers')).toEqual([{ seller_id: 's1', seller_zip_code_prefix: '13000', seller_city: 'campinas', seller_state: 'SP' }]);
    expect(await lake.table('trusted', 'products')).toEqual([
      {
        product_id: 'p1',
        product_category_name: 'moveis',
        product_name_lenght: '40',
        product_description_lenght: null,
        product_photos_qty: '2',
        product_weight_g: '500',
        product_length_cm: '20',
        product_height_cm: '10',
        product_width_cm: '15',
      },
    ]);
    expect(await lake.table('trusted', 'product_category_name_translation')).toEqual([{ product_category_name: 'moveis', product_category_name_english: 'furniture' }]);
  });

  describe('refined models on trusted fixtures', () => {
    beforeEach(async () => {
      await buildConsistentTables(lake, {
        // i9: a product and a seller trusted does not know: it waits in quarantine until they arrive.
        order_items: [...CONSISTENT_TABLES.order_items!, 'o3,2,p9,s9,2017-10-07 09:00:00,7.50,0.50'],
      });
    });

    it('orders_enriched: one row per item; payments summed, types distinct and sorted, the latest review wins; an item of an unknown product and seller is not there', async () => {
      const build = await buildRefined({ engine: lake.engine, store: lake.store }, datasetNamed('orders_enriched', 'refined'));
      expect(build.rowsOut).toBe(4);
      const rows = await lake.rows(
        `select order_id, order_item_id, order_status, product_id, product_category_name, seller_id, seller_state, customer_unique_id, customer_state,
                price, freight_value, order_payment_value, order_payment_types, review_score, purchase_month
         from ${lake.engine.relations.ref('refined', 'orders_enriched')}`,
        'order_id, order_item_id',
      );
      expect(rows).toEqual([
        row('o1', '1', 'delivered', 'p1', 'moveis', 's1', 'SP', 'u1', 'SP', '29.99', '8.72', '50.71', 'credit_card,voucher', '2'),
        row('o1', '2', 'delivered', 'p2', 'beleza', 's1', 'SP', 'u1', 'SP', '10.00', '2.00', '50.71', 'credit_card,voucher', '2'),
        row('o2', '1', 'shipped', 'p1', 'moveis', 's1', 'SP', 'u2', 'RJ', '50.00', '5.00', '55.00', 'boleto', '5'),
        row('o3', '1', 'canceled', 'p2', 'beleza', 's2', 'PR', 'u1', 'SP', '20.00', '1.00', null, null, null),
      ]);
      const [parked] = await lake.table('dataquality', 'quarantine/order_items');
      expect(parked).toMatchObject({ order_id: 'o3', order_item_id: '2', reason_kind: 'cascade', quarantine_date: 'parked' });
    });

    it('a refined table is rebuilt when a row of an input changes, not when an input only moved its watermark (a batch with nothing new for it)', async () => {
      // orders_enriched reads sellers (their state).
      const build = () => buildRefined({ engine: lake.engine, store: lake.store }, datasetNamed('orders_enriched', 'refined'));
      expect(await build()).toMatchObject({ status: 'built' });
      expect(await build()).toMatchObject({ status: 'skipped' });

      // A file with only a header: the sellers watermark moves, no row changes.
      lake.writeRaw('sellers', [], { file: 'empty.csv', ingestedAt: '2026-01-01T13:00:00.000Z' });
      const moved = await lake.build('sellers', { runId: 'run-empty', now: new Date('2026-01-01T13:30:00Z') });
      expect(moved).toMatchObject({ status: 'built', rowsMerged: 0, partitionsWritten: [] });
      expect(await build()).toMatchObject({ status: 'skipped' });

      lake.writeRaw('sellers', ['s2,80000,curitiba,SC'], { file: 'moved.csv', ingestedAt: '2026-01-01T14:00:00.000Z' });
      expect(await lake.build('sellers', { runId: 'run-moved', now: new Date('2026-01-01T14:30:00Z') })).toMatchObject({ rowsMerged: 1 });
      expect(await build()).toMatchObject({ status: 'merged', keysRebuilt: 1 });
    });

    it('orders_enriched merges what changed (an order, an item, a payment, a review, a product, a seller, a customer, a new order in a new month): the same rows as a whole rebuild, only the touched months rewritten', async () => {
      const build = (options: { fullRefresh?: boolean } = {}) => buildRefined({ engine: lake.engine, store: lake.store }, datasetNamed('orders_enriched', 'refined'), options);
      const enriched = () => lake.table('refined', 'orders_enriched', 'order_id, order_item_id');
      expect(await build()).toMatchObject({ status: 'built', partitionsWritten: 1 });

      const hour = (value: number) => `2026-01-01T${String(value).padStart(2, '0')}:00:00.000Z`;
      const batch = async (value: number, lines: Record<string, string[]>) => {
        for (const [table, rows] of Object.entries(lines)) lake.writeRaw(table, rows, { file: `batch-${value}.csv`, ingestedAt: hour(value) });
        for (const table of ['customers', 'products', 'sellers', 'orders', 'order_items', 'order_payments', 'order_reviews']) {
          if (lines[table]) await lake.build(table, { runId: `run-${value}`, now: new Date(hour(value)), cascadeParents: cascadeParentsOf(CATALOG, table) });
        }
      };
      // o2 is delivered, and paid with a second method; o3 gets a review.
      await batch(13, {
        orders: ['o2,c2,delivered,2017-10-02 15:00:00,2017-10-02 15:10:00,2017-10-03 10:00:00,2017-10-09 10:00:00,2017-10-20 00:00:00'],
        order_payments: ['o2,2,voucher,1,5.00'],
        order_reviews: ['r4,o3,1,,,2017-10-15 00:00:00,'],
      });
      const first = await build();
      expect(first).toMatchObject({ status: 'merged', keysRebuilt: 2, partitionsWritten: 1 });
      // p2 changes category (o1 and o3 hold it), s2 moves state (o3), c2 moves (o2); o4 is a new order in a new month, of a new customer.
      await batch(14, {
        products: ['p2,perfumaria,35,120,1,200,10,5,5'],
        sellers: ['s2,80000,curitiba,SC'],
        customers: ['c2,u2,20000,niteroi,RJ', 'c4,u4,30000,belo horizonte,MG'],
        orders: ['o4,c4,shipped,2018-02-01 09:00:00,2018-02-01 09:10:00,,,2018-02-20 00:00:00'],
        order_items: ['o4,1,p1,s2,2018-02-05 09:00:00,15.00,1.50', 'o1,2,p2,s1,2017-10-06 11:07:15,11.00,2.00'],
      });
      const second = await build();
      expect(second).toMatchObject({ status: 'merged', keysRebuilt: 4, partitionsWritten: 2 });
      const merged = await enriched();
      expect(merged.map((row) => [row.order_id, row.order_item_id, row.product_category_name, row.seller_state, row.customer_state, row.order_status, row.order_payment_value, row.review_score, row.purchase_month])).toEqual([
        ['o1', '1', 'moveis', 'SP', 'SP', 'delivered', '50.71', '2', '2017-10'],
        ['o1', '2', 'perfumaria', 'SP', 'SP', 'delivered', '50.71', '2', '2017-10'],
        ['o2', '1', 'moveis', 'SP', 'RJ', 'delivered', '60.00', '5', '2017-10'],
        ['o3', '1', 'perfumaria', 'SC', 'SP', 'canceled', null, '1', '2017-10'],
        ['o4', '1', 'moveis', 'SC', 'MG', 'shipped', null, null, '2018-02'],
      ]);
      expect(merged.find((row) => row.order_id === 'o1' && row.order_item_id === '2')?.price).toBe('11.00');
      expect(await build()).toMatchObject({ status: 'skipped' });

      expect(await build({ fullRefresh: true })).toMatchObject({ status: 'built', partitionsWritten: 2 });
      expect(await enriched()).toEqual(merged);
    });

    it('an incremental table whose model reads an input its changes do not declare is refused, naming the input', async () => {
      const declared = datasetNamed('orders_enriched', 'refined');
      const { customers: _customers, ...changes } = declared.incremental!.changes;
      await expect(buildRefined({ engine: lake.engine, store: lake.store }, { ...declared, incremental: { ...declared.incremental!, changes } })).rejects.toThrow(
        'refined orders_enriched is incremental, and its model reads trusted/customers, which incremental.changes does not declare',
      );
    });

    it('seller_daily_sales: distinct orders, items, revenue and freight per seller and purchase day, whatever the order status', async () => {
      const build = await buildRefined({ engine: lake.engine, store: lake.store }, datasetNamed('seller_daily_sales', 'refined'));
      expect(build.rowsOut).toBe(2);
      expect(await lake.table('refined', 'seller_daily_sales', 'seller_id, sale_date')).toEqual([
        // o1 (two items) and o2 on 2017-10-02: two orders, three items.
        { seller_id: 's1', sale_date: '2017-10-02', orders: '2', items: '3', revenue: '89.99', freight: '15.72', sale_month: '2017-10' },
        // o3 is canceled and still counts.
        { seller_id: 's2', sale_date: '2017-10-03', orders: '1', items: '1', revenue: '20.00', freight: '1.00', sale_month: '2017-10' },
      ]);
    });
  });
});

function row(
  order_id: string,
  order_item_id: string,
  order_status: string,
  product_id: string,
  product_category_name: string | null,
  seller_id: string,
  seller_state: string | null,
  customer_unique_id: string,
  customer_state: string,
  price: string,
  freight_value: string,
  order_payment_value: string | null,
  order_payment_types: string | null,
  review_score: string | null,
): Record<string, string | null> {
  return {
    order_id,
    order_item_id,
    order_status,
    product_id,
    product_category_name,
    seller_id,
    seller_state,
    customer_unique_id,
    customer_state,
    price,
    freight_value,
    order_payment_value,
    order_payment_types,
    review_score,
    purchase_month: '2017-10',
  };
}
