import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { ConfigError } from '../../config/load-environment.ts';
import { parseDatasetFile } from '../../pipelines/workloads/dataset-file.ts';
import { didYouMean } from '../did-you-mean.ts';
import { propose, type Proposal } from '../new/propose.ts';
import { renderDatasetFile, renderTrustedModel } from '../new/render.ts';
import { count, counted, DEFAULT_SAMPLE_ROWS, MAX_SAMPLE_ROWS, sniffCsv, type CsvSample } from '../new/sniff-csv.ts';
import { chooseWorkload, requireTableName, requireWorkloadName, workloadNames, workloadsDir, writeWorkloadSkeleton } from '../new/workloads.ts';
import { parseOptions } from '../parse-options.ts';
import { requireFolder, requireFolderOrAbsent } from '../path-checks.ts';
import { UsageError } from '../usage-error.ts';

const USAGE = `Usage: strata new dataset <table> --from <file.csv> [--workload <name>] [--workloads-dir <folder>]
                          [--force] [--sample-rows <n>]
       strata new workload <name> [--workloads-dir <folder>]

dataset: reads the start of a CSV file and writes, for a person to review, the
table's dataset definition and trusted SQL model:
  <workloads>/<workload>/datasets/<table>.yaml
  <workloads>/<workload>/sql/trusted/<table>.sql
It prints each guess (encoding, delimiter, header, column types, primary key,
required columns, partition) and how sure it is. See docs/new-dataset.md.

workload: writes an empty workload: <workloads>/<name>/ with a README.md,
datasets/ and sql/trusted/.

Options:
  --from <file.csv>         the CSV to sniff (dataset); only its first rows are read
  --workload <name>         the workload the table joins (dataset); default: the only
                            workload of the workloads folder
  --workloads-dir <folder>  the workloads folder (default: STRATA_WORKLOADS_DIR, else the
                            repository's workloads/)
  --force                   replace the table's files if they exist (dataset)
  --sample-rows <n>         data rows to read, 1 to ${count(MAX_SAMPLE_ROWS)} (default: ${count(DEFAULT_SAMPLE_ROWS)})`;

const KINDS = ['dataset', 'workload'] as const;

const shown = (path: string) => relative(process.cwd(), path) || '.';

export const newCommand = {
  summary: 'scaffold a dataset definition and its SQL from a CSV, or an empty workload',
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    const [kind, name, ...rest] = argv;
    if (kind === undefined || kind.startsWith('-')) throw new UsageError('say what to create: strata new dataset <table> --from <file.csv>, or strata new workload <name>');
    if (!(KINDS as readonly string[]).includes(kind)) throw new UsageError(`cannot create "${kind}"${didYouMean(kind, KINDS)}; strata new creates: ${KINDS.join(', ')}`);
    if (name === undefined || name.startsWith('-')) {
      throw new UsageError(kind === 'dataset' ? '<table> is required: strata new dataset <table> --from <file.csv>' : '<name> is required: strata new workload <name>');
    }
    return kind === 'dataset' ? newDataset(name, rest) : newWorkload(name, rest);
  },
};

function newWorkload(name: string, argv: string[]): number {
  const options = parseOptions(argv, { 'workloads-dir': { type: 'string' } });
  requireWorkloadName(name);
  if (options['workloads-dir'] !== undefined) requireFolderOrAbsent('--workloads-dir', options['workloads-dir']);
  const root = workloadsDir(options['workloads-dir']);
  const written = writeWorkloadSkeleton(root, name, shown);
  console.log(`strata new workload: ${shown(join(root, name))}/ with ${written.map((path) => relative(join(root, name), path)).join(', ')}`);
  console.log(`Next: strata new dataset <table> --from <file.csv> --workload ${name}; then list ${name} under workloads: in an environment file to deploy it.`);
  return 0;
}

async function newDataset(table: string, argv: string[]): Promise<number> {
  const options = parseOptions(argv, {
    from: { type: 'string' },
    workload: { type: 'string' },
    'workloads-dir': { type: 'string' },
    force: { type: 'boolean' },
    'sample-rows': { type: 'string' },
  });
  requireTableName(table);
  if (options.from === undefined || options.from === '') throw new UsageError('--from <file.csv> is required: the CSV file to sniff');
  const sampleRows = options['sample-rows'] === undefined ? DEFAULT_SAMPLE_ROWS : wholeNumber('--sample-rows', options['sample-rows'], 1, MAX_SAMPLE_ROWS);
  if (options['workloads-dir'] !== undefined) requireFolder('--workloads-dir', options['workloads-dir']);
  const root = workloadsDir(options['workloads-dir']);
  if (!existsSync(root)) throw new UsageError(`${shown(root)}: no such folder; name the workloads folder with --workloads-dir`);
  const workload = chooseWorkload(root, shown(root), options.workload);

  // Table names are shared by every workload: another's table of this name would make both unusable.
  for (const other of workloadNames(root).filter((candidate) => candidate !== workload)) {
    const theirs = join(root, other, 'datasets', `${table}.yaml`);
    if (existsSync(theirs)) throw new ConfigError([`${shown(theirs)}: workload ${other} already has a table ${table}, and table names are shared by all workloads; pick another name`]);
  }
  const datasetFile = join(root, workload, 'datasets', `${table}.yaml`);
  const modelFile = join(root, workload, 'sql', 'trusted', `${table}.sql`);
  const existing = [datasetFile, modelFile].filter((path) => existsSync(path));
  if (existing.length > 0 && !options.force) {
    throw new ConfigError([`${existing.map(shown).join(' and ')}: already exist${existing.length === 1 ? 's' : ''}; pass --force to replace ${existing.length === 1 ? 'it' : 'them'}`]);
  }

  const sample = await sniffCsv(options.from, sampleRows);
  const proposal = propose(sample);
  report(table, workload, sample, proposal);
  if (proposal.blockers.length > 0) throw new ConfigError(proposal.blockers.map((blocker) => `${options.from}: ${blocker}. Nothing written.`));

  const sourceFile = basename(options.from);
  const definition = renderDatasetFile({ table, sourceFile, encoding: sample.encoding, proposal, rows: sample.rows.length, cut: sample.cut });
  // What is written must load: a failure here is this command's bug, not the user's.
  parseDatasetFile(definition, shown(datasetFile), table, { values: {} });
  mkdirSync(join(root, workload, 'datasets'), { recursive: true });
  mkdirSync(join(root, workload, 'sql', 'trusted'), { recursive: true });
  writeFileSync(datasetFile, definition);
  writeFileSync(modelFile, renderTrustedModel(table, sourceFile, proposal));
  console.log(`wrote ${shown(datasetFile)}`);
  console.log(`wrote ${shown(modelFile)}`);
  return 0;
}

function wholeNumber(option: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`${option} must be a whole number from ${count(min)} to ${count(max)} (got "${text}")`);
  return value;
}

const line = (topic: string, text: string) => console.log(`  ${topic.padEnd(10)}  ${text}`);

/** One line per decision: what was guessed, from what, and how sure. With blockers, the file's lines only: the columns of a file that cannot be staged mean little. */
function report(table: string, workload: string, sample: CsvSample, proposal: Proposal): void {
  const { delimiter } = sample;
  console.log(`strata new dataset ${table}: sniffing ${shown(sample.file)} (${counted(sample.bytes, 'byte')}) for workload ${workload}`);
  line('encoding', `${sample.encoding}: ${sample.encodingReason}`);
  const others = delimiter.others.map((other) => `${other.name} ${other.fields}`).join(', ');
  const looked = delimiter.records === 1 ? 'the only record' : delimiter.consistent === delimiter.records ? `each of the first ${delimiter.records} records` : `${delimiter.consistent} of the first ${delimiter.records} records`;
  line('delimiter', `${delimiter.delimiter.name}${delimiter.delimiter.char === ',' ? '' : ' (NOT a comma)'}: ${counted(delimiter.fields, 'field')} in ${looked} (fields by ${others})`);
  const renamed = proposal.renames.length;
  line('header', `${counted(sample.header.length, 'column')} named by the first row; ${renamed === 0 ? 'names already snake_case' : `${renamed} renamed to snake_case (see the warning)`}`);
  line('sample', sample.cut ? `${counted(sample.rows.length, 'row')}: ${sample.cutReason}; the file has more` : `${counted(sample.rows.length, 'row')}: the whole file`);
  if (proposal.blockers.length === 0) {
    const nameWidth = Math.max(...proposal.columns.map((column) => column.name.length));
    for (const column of proposal.columns) {
      const empty = column.empty > 0 ? `; ${count(column.empty)} empty` : '';
      line('column', `${column.name.padEnd(nameWidth)}  ${column.type.padEnd(13)}  ${column.why}${empty}`);
    }
    const { key } = proposal;
    const alternatives = key.alternatives.length > 0 ? `; also unique: ${key.alternatives.map((set) => `[${set.join(', ')}]`).join(', ')}` : '';
    line('key', `[${key.columns.join(', ')}] ${key.confidence}: ${key.why}${alternatives}`);
    const filledToo = proposal.columns.filter((column) => !column.required && column.empty === 0 && column.filled > 0).map((column) => column.name);
    line(
      'required',
      `${key.columns.join(', ')} (the key)${filledToo.length > 0 ? `; filled in every sampled row too, not marked required (mark those a row must have: a row without one is quarantined): ${filledToo.join(', ')}` : ''}`,
    );
    line('partition', proposal.partitionWhy);
  }
  for (const warning of proposal.warnings) line('warning', warning);
  if (proposal.blockers.length === 0) line('review', 'descriptions are TODO placeholders; acceptedValues, range and references are not guessed (the YAML comments hint at them); check every type and the key');
}
