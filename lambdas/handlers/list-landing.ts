import { STATE_PAYLOAD_MAX_BYTES } from '../../pipelines/flows/index.ts';
import { landingSchedule, listLandingDrops } from '../ingest/unpack-file-drop.ts';
import type { Handler, HandlerPorts } from './handler-ports.ts';

/** A listing keeps to a quarter of the state's limit: the rest of the flow's state sits beside it. */
const MAX_LISTING_BYTES = STATE_PAYLOAD_MAX_BYTES / 4;

/**
 * -> `{ drops: [{ landingKey, ingestedAt }], deferred }`: the drops waiting in
 * raw's landing area, each with its ingest time (by name order), largest
 * first; `deferred` of them wait for the next run.
 */
export const listLandingHandler =
  (ports: HandlerPorts): Handler =>
  async () => {
    const { drops, deferred } = landingSchedule(await listLandingDrops(ports.store), ports.clock.now(), MAX_LISTING_BYTES);
    return { drops, deferred, rowsOut: drops.length };
  };
