/** Text and JSON views of an estimate, alone or against another (`--vs`). */
import type { CloudCost, CostEstimate, CostLine } from './estimate.ts';
import { money, signedMoney } from '../format/money.ts';

const CLOUD_NAMES = { aws: 'AWS', azure: 'Azure' } as const;

export interface LineDelta {
  readonly id: string;
  readonly cloud: string;
  readonly component: string;
  readonly base?: CostLine;
  readonly head?: CostLine;
  readonly delta: number;
}

/** Lines of two estimates matched by id; a line in one only counts as 0 in the other. */
export function compareEstimates(base: CostEstimate, head: CostEstimate): LineDelta[] {
  const result: LineDelta[] = [];
  for (const cloud of ['aws', 'azure'] as const) {
    const before = base.clouds.find((c) => c.cloud === cloud)?.lines ?? [];
    const after = head.clouds.find((c) => c.cloud === cloud)?.lines ?? [];
    const ids = [...new Set([...before.map((l) => l.id), ...after.map((l) => l.id)])];
    for (const id of ids) {
      const b = before.find((l) => l.id === id);
      const h = after.find((l) => l.id === id);
      result.push({ id, cloud, component: (h ?? b)!.component, base: b, head: h, delta: (h?.expected ?? 0) - (b?.expected ?? 0) });
    }
  }
  return result;
}

export function cloudTotals(estimate: CostEstimate): Record<string, number> {
  return Object.fromEntries(estimate.clouds.map((cloud) => [cloud.cloud, cloud.total.expected]));
}

function range(line: { min: number; expected: number; max: number }): string {
  return line.min === line.expected && line.max === line.expected ? '' : `  (min ${money(line.min)}, max ${money(line.max)})`;
}

export function renderEstimate(estimate: CostEstimate): string[] {
  const out: string[] = [];
  for (const cloud of estimate.clouds) {
    out.push('', `${CLOUD_NAMES[cloud.cloud]} ${cloud.region}, monthly, USD`);
    const width = Math.max(20, ...cloud.lines.map((l) => l.component.length));
    for (const kind of ['always-on', 'usage-based'] as const) {
      const lines = cloud.lines.filter((l) => l.kind === kind);
      if (lines.length === 0) continue;
      out.push(`  ${kind}`);
      for (const l of lines) out.push(`    ${l.component.padEnd(width)}  ${money(l.expected).padStart(11)}${range(l)}`, `        ${l.formula}`);
    }
    out.push(`  total ${CLOUD_NAMES[cloud.cloud]}: ${money(cloud.total.expected)}${range(cloud.total)}`);
  }
  return out;
}

/** A line that moved: its figure, its range or its formula differs, or it exists on one side only. */
const changed = (line: LineDelta) =>
  !line.base || !line.head || line.delta !== 0 || line.base.max !== line.head.max || line.base.formula !== line.head.formula;

/**
 * Base against head, cloud by cloud: the lines that changed (every line with
 * `all`), each with its formula, and each cloud's total with its delta.
 */
export function renderComparison(base: CostEstimate, head: CostEstimate, options: { all?: boolean } = {}): string[] {
  const all = options.all ?? false;
  const out: string[] = [];
  const deltas = compareEstimates(base, head);
  for (const cloud of head.clouds) {
    const baseCloud = base.clouds.find((c) => c.cloud === cloud.cloud) as CloudCost;
    out.push('', `${CLOUD_NAMES[cloud.cloud]} ${cloud.region}, monthly, USD: base -> vs (delta)`);
    const ofCloud = deltas.filter((d) => d.cloud === cloud.cloud);
    const lines = all ? ofCloud : ofCloud.filter(changed);
    const hidden = ofCloud.length - lines.length;
    const width = Math.max(20, ...lines.map((l) => l.component.length));
    for (const kind of ['always-on', 'usage-based'] as const) {
      const ofKind = lines.filter((d) => (d.head ?? d.base)!.kind === kind);
      if (ofKind.length === 0) continue;
      out.push(`  ${kind}`);
      for (const d of ofKind) {
        out.push(`    ${d.component.padEnd(width)}  ${money(d.base?.expected ?? 0).padStart(11)} -> ${money(d.head?.expected ?? 0).padStart(11)}  ${signedMoney(d.delta)}`);
        if (d.base && d.head && d.base.formula === d.head.formula) out.push(`        ${d.head.formula}`);
        else {
          out.push(`        was: ${d.base?.formula ?? '(no such line)'}`);
          out.push(`        now: ${d.head?.formula ?? '(no such line)'}`);
        }
      }
    }
    if (lines.length === 0) out.push('  no line changed');
    if (hidden > 0) out.push(`  (${hidden} unchanged line${hidden === 1 ? '' : 's'} not shown; --all shows every line)`);
    out.push(
      `  total ${CLOUD_NAMES[cloud.cloud]}: ${money(baseCloud.total.expected)} -> ${money(cloud.total.expected)}  ${signedMoney(cloud.total.expected - baseCloud.total.expected)}` +
        `  (max ${money(baseCloud.total.max)} -> ${money(cloud.total.max)}  ${signedMoney(cloud.total.max - baseCloud.total.max)})`,
    );
  }
  return out;
}
