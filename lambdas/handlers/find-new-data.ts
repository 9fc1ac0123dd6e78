import { findNewData } from '../transform/find-new-data.ts';
import { catalogOf, optionFlag, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ runId, fullRefresh? }` -> `{ due, reason, tables }`: whether the process run has anything to do (its flow ends at once if not). */
export const findNewDataHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => findNewData(ports.store, catalogOf(ports).trusted, { now: ports.clock.now(), fullRefresh: optionFlag(event, 'fullRefresh') });
