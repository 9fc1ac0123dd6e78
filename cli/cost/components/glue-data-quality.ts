/** Glue Data Quality: the rulesets are declared, and no schedule evaluates them. */
import { money, price } from '../../format/money.ts';
import { awsOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function glueDataQualityLines({ book, resources }: ComponentInput): CostLine[] {
  const rulesets = awsOfType(resources, 'AWS::Glue::DataQualityRuleset');
  if (rulesets.length === 0) return [];
  // The rulesets are declared for the Glue console; the process flow checks
  // quality itself on Athena (priced there), so Glue bills no evaluation run.
  return [
    line(
      'aws',
      'glue.dataQuality',
      `Glue Data Quality, ${rulesets.length} ruleset(s)`,
      'usage-based',
      0,
      `${rulesets.length} rulesets declared, evaluated by no schedule (the quality step runs on Athena): 0 evaluation runs x ${price(unitPrice(book, 'glue.dataQuality.dpuHour'))}/DPU-hour = ${money(0)}`,
    ),
  ];
}
