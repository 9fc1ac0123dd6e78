/**
 * Athena, per workgroup, $ per TB scanned with a 10 MB minimum per query: the
 * BI workgroup from the usage profile's BI queries; the platform workgroup
 * from what a process run reads and writes (process-run-bytes.ts), with a full
 * refresh on a line of its own, and a warning when a run's largest query would
 * pass the workgroup's scan cut-off.
 */
import { money, price, qty } from '../../format/money.ts';
import { awsOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { BYTES_PER_GB, dataPathInput, explainRunBytes, fullRefreshBytes, incrementalRunBytes, type ProcessRunBytes } from '../process-run-bytes.ts';
import { unitPrice, type ComponentInput } from './component.ts';

const MB_PER_TB = 1024 * 1024;
const BYTES_PER_MB = 1024 * 1024;
/** Athena bills every query at least this much. */
const MINIMUM_MB_PER_QUERY = 10;

export function athenaLines({ env, usage, usageName, book, resources, flowRuns, warnings }: ComponentInput): CostLine[] {
  const lines: CostLine[] = [];
  const dataPath = dataPathInput(usage);
  const incremental = incrementalRunBytes(dataPath);
  const refresh = fullRefreshBytes(dataPath);
  const rate = unitPrice(book, 'athena.scanned');
  for (const workgroup of awsOfType(resources, 'AWS::Athena::WorkGroup')) {
    const name = String(workgroup.resource.Properties?.Name ?? workgroup.path);
    const bi = /(^|[^a-z])bi([^a-z]|$)/i.test(`${name} ${workgroup.path}`) || /Bi[A-Z]/.test(workgroup.path);
    const cutoffBytes = (workgroup.resource.Properties?.WorkGroupConfiguration as { BytesScannedCutoffPerQuery?: unknown } | undefined)?.BytesScannedCutoffPerQuery;
    const cutoffMb = typeof cutoffBytes === 'number' ? cutoffBytes / 1024 / 1024 : bi ? env.analytics.biBytesScannedCutoffMb : env.analytics.bytesScannedCutoffMb;
    const id = `athena.${workgroup.stack}.${workgroup.id}`;
    const label = `Athena, workgroup ${workgroup.path}`;
    if (bi) {
      const queries = usage.athena.biQueriesPerMonth;
      const mb = Math.max(MINIMUM_MB_PER_QUERY, usage.athena.biMbScannedPerQuery);
      const cost = ((queries * mb) / MB_PER_TB) * rate;
      const min = ((queries * MINIMUM_MB_PER_QUERY) / MB_PER_TB) * rate;
      const max = ((queries * Math.max(MINIMUM_MB_PER_QUERY, cutoffMb)) / MB_PER_TB) * rate;
      lines.push(
        line('aws', id, label, 'usage-based', cost, `${qty(queries)} BI queries x ${qty(mb)} MB/1,048,576 x ${price(rate)}/TB = ${money(cost)}; min 10 MB/query ${money(min)}, max at the ${qty(cutoffMb)} MB cut-off ${money(max)}`, {
          min,
          max,
        }),
      );
      continue;
    }
    // The platform workgroup runs the process flow: bytes from the data path (process-run-bytes.ts), each statement billed at least 10 MB.
    const queries = usage.athena.platformQueriesPerProcessRun;
    const minimumMb = queries * MINIMUM_MB_PER_QUERY;
    const billedMb = (bytes: ProcessRunBytes) => (bytes.scanned + bytes.written) / BYTES_PER_MB + minimumMb;
    const runMb = billedMb(incremental);
    const cost = ((flowRuns.process * runMb) / MB_PER_TB) * rate;
    const floor = ((flowRuns.process * Math.max(incremental.scanned / BYTES_PER_MB, minimumMb)) / MB_PER_TB) * rate;
    lines.push(
      line(
        'aws',
        id,
        `${label}, incremental process runs`,
        'usage-based',
        cost,
        `per run: ${explainRunBytes(dataPath, incremental, qty)}; billed ${qty(incremental.scanned / BYTES_PER_GB)} GB scanned + ${qty(incremental.written / BYTES_PER_GB)} GB written re-read by UNLOAD (a write is a CTAS, then an UNLOAD of it) + ${qty(queries)} statements x 10 MB minimum = ${qty(runMb / 1024)} GB; ` +
          `${qty(flowRuns.process)} process runs (schedules.process ${env.schedules.process}) x ${qty(runMb / 1024)} GB/1,024 x ${price(rate)}/TB = ${money(cost)}; min (no UNLOAD re-read, the minimum inside the scan) ${money(floor)}`,
        { min: floor, max: cost },
      ),
    );
    const refreshMb = billedMb(refresh);
    const refreshes = usage.dataPath.fullRefreshesPerMonth;
    const refreshCost = ((refreshes * refreshMb) / MB_PER_TB) * rate;
    lines.push(
      line(
        'aws',
        `${id}.fullRefresh`,
        `${label}, full refresh`,
        'usage-based',
        refreshCost,
        `per full refresh: ${explainRunBytes(dataPath, refresh, qty)}; billed + ${qty(refresh.written / BYTES_PER_GB)} GB UNLOAD re-read + ${qty(queries)} x 10 MB = ${qty(refreshMb / 1024)} GB; ` +
          `${qty(refreshes)} full refreshes/month (usage dataPath.fullRefreshesPerMonth) x ${qty(refreshMb / 1024)} GB/1,024 x ${price(rate)}/TB = ${money(refreshCost)}`,
      ),
    );
    const over = (
      [
        ['an incremental run', incremental],
        ['a full refresh', refresh],
      ] as const
    ).filter(([, bytes]) => bytes.largestQuery / BYTES_PER_MB > cutoffMb);
    if (over.length > 0) {
      warnings.push(
        `warning: usage ${usageName}: the largest query of ${over.map(([what, bytes], index) => `${what}${index === 0 ? ' scans' : ''} about ${qty(bytes.largestQuery / BYTES_PER_GB)} GB`).join(' and of ')} ` +
          `(dataPath.largestQueryShare ${qty(usage.dataPath.largestQueryShare)} x the run's scan), over ${workgroup.path}'s bytesScannedCutoffMb ${qty(cutoffMb)}: Athena would cancel it`,
      );
    }
  }
  return lines;
}
