import { OLIST_DATASETS } from '../../pipelines/datasets/index.ts';
import { findNewData } from '../transform/find-new-data.ts';
import { optionFlag, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ runId, fullRefresh? }` -> `{ due, reason, tables }`: whether the process run has anything to do (its flow ends at once if not). */
export const findNewDataHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => findNewData(ports.store, OLIST_DATASETS, { now: ports.clock.now(), fullRefresh: optionFlag(event, 'fullRefresh') });
