/** Lambda, one line per handler class: invocations from its flow's runs, duration from the class's sizing. */
import { HANDLER_CLASSES, lambdaSizingFor } from '../../../config/schema.ts';
import { money, price, qty } from '../../format/money.ts';
import { awsOfType } from '../../synthesized/resources.ts';
import { line, type CostLine } from '../cost-line.ts';
import { callsOf } from '../flow-runs.ts';
import { unitPrice, type ComponentInput } from './component.ts';

export function lambdaLines({ env, usage, book, resources, flowRuns }: ComponentInput): CostLine[] {
  if (awsOfType(resources, 'AWS::Lambda::Function').length === 0) return [];
  const p = (id: string) => unitPrice(book, id);
  return HANDLER_CLASSES.map((handlerClass) => {
    const sizing = lambdaSizingFor(env, handlerClass);
    const profile = usage.functions[handlerClass];
    const calls = callsOf(handlerClass, flowRuns, profile.invocationsPerRun, env, usage);
    const invocations = calls.count;
    const gb = sizing.memoryMb / 1024;
    const seconds = Math.min(profile.secondsPerInvocation, sizing.timeoutSeconds);
    const rate = p(`lambda.duration.${sizing.architecture}`);
    const cost = invocations * seconds * gb * rate + (invocations / 1_000_000) * p('lambda.requests');
    return line(
      'aws',
      `lambda.${handlerClass}`,
      `Lambda, ${handlerClass} handlers`,
      'usage-based',
      cost,
      `${calls.text} = ${qty(invocations)} invocations; ` +
        `${qty(invocations)} x ${qty(seconds)} s x ${qty(gb)} GB x ${price(rate)} (${sizing.architecture}) + ${qty(invocations)}/1M x ${price(p('lambda.requests'))} = ${money(cost)}`,
    );
  });
}
