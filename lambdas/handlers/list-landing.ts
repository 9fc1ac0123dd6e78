import { landingSchedule, listLandingDrops } from '../ingest/unpack-file-drop.ts';
import type { Handler, HandlerPorts } from './handler-ports.ts';

/** -> `{ drops: [{ landingKey, ingestedAt }] }`: the drops waiting in raw's landing area, oldest name first, each with its ingest time. */
export const listLandingHandler =
  (ports: HandlerPorts): Handler =>
  async () => {
    const drops = landingSchedule(await listLandingDrops(ports.store), ports.clock.now());
    return { drops, rowsOut: drops.length };
  };
