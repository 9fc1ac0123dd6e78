import { listLandingDrops } from '../ingest/unpack-file-drop.ts';
import type { Handler, HandlerPorts } from './handler-ports.ts';

/** -> `{ keys }`: the drops waiting in raw's landing area, oldest first. */
export const listLandingHandler =
  (ports: HandlerPorts): Handler =>
  async () => {
    const keys = await listLandingDrops(ports.store);
    return { keys, rowsOut: keys.length };
  };
