/**
 * Step Functions, one line per state machine: a Standard machine by state
 * transitions (every state of its definition once per execution), an Express
 * one by requests and duration; executions are its flow's runs.
 */
import { money, price, qty } from '../../format/money.ts';
import { awsOfType } from '../../synthesized/resources.ts';
import { countStates } from '../../synthesized/state-machines.ts';
import { line, type CostLine } from '../cost-line.ts';
import { flowRunsText } from '../flow-runs.ts';
import { unitPrice, type ComponentInput } from './component.ts';

/** Memory Step Functions bills an Express execution at. */
const EXPRESS_GB = 0.0625;

export function stepFunctionsLines({ env, usage, book, resources, flowRuns }: ComponentInput): CostLine[] {
  const p = (id: string) => unitPrice(book, id);
  return awsOfType(resources, 'AWS::StepFunctions::StateMachine').map((machine) => {
    const flow = (['ingest', 'process', 'retrain'] as const).find((name) => `${machine.id} ${machine.path}`.toLowerCase().includes(name));
    const executions = flowRuns[flow ?? 'process'];
    const schedule = flow ? flowRunsText(flow, env, usage) : 'schedules.process, no flow name in its path';
    const id = `sfn.${machine.stack}.${machine.id}`;
    const label = `Step Functions, ${machine.path}`;
    if (machine.resource.Properties?.StateMachineType === 'EXPRESS') {
      const seconds = usage.stepFunctions.expressSecondsPerExecution;
      const cost = (executions / 1_000_000) * p('stepfunctions.express.requests') + executions * seconds * EXPRESS_GB * p('stepfunctions.express.duration');
      return line(
        'aws',
        id,
        label,
        'usage-based',
        cost,
        `${qty(executions)} executions (${schedule}) /1M x ${price(p('stepfunctions.express.requests'))} + ${qty(executions)} x ${qty(seconds)} s x ${EXPRESS_GB} GB x ${price(p('stepfunctions.express.duration'))} = ${money(cost)}`,
      );
    }
    const states = countStates(machine.resource.Properties);
    const transitions = executions * states;
    const cost = (transitions / 1000) * p('stepfunctions.standard.transitions');
    return line(
      'aws',
      id,
      label,
      'usage-based',
      cost,
      `${qty(executions)} executions (${schedule}) x ${states} states = ${qty(transitions)} transitions/1,000 x ${price(p('stepfunctions.standard.transitions'))} = ${money(cost)}`,
    );
  });
}
