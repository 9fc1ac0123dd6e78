import { buildRefined } from '../transform/build-refined.ts';
import { catalogOf, optionFlag, stringField, withEngine, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ table, fullRefresh? }` -> the refined table built from trusted (merged for what changed, rebuilt whole, or skipped: no input changed), with its counts. */
export const buildRefinedHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const dataset = catalogOf(ports).datasetNamed(stringField(event, 'table', 'build-refined'), 'refined');
    return withEngine(ports, (engine) => buildRefined({ engine, store: ports.store }, dataset, { fullRefresh: optionFlag(event, 'fullRefresh') }));
  };
