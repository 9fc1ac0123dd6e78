import { unpackFileDrop } from '../ingest/unpack-file-drop.ts';
import { catalogOf, stringField, type Handler, type HandlerPorts } from './handler-ports.ts';

/** `{ landingKey, ingestedAt? }` -> what the drop became: raw files, or a refusal with its reason. */
export const unpackFileDropHandler =
  (ports: HandlerPorts): Handler =>
  async (event) => {
    const landingKey = stringField(event, 'landingKey', 'unpack-file-drop');
    const given = (event as Record<string, unknown> | null)?.ingestedAt;
    const ingestedAt = given === undefined ? undefined : stringField(event, 'ingestedAt', 'unpack-file-drop');
    const result = await unpackFileDrop({ store: ports.store, clock: ports.clock, limits: ports.settings.ingestion, datasets: catalogOf(ports).trusted }, { landingKey, ...(ingestedAt ? { ingestedAt } : {}) });
    // A re-dropped file raw already holds is not written again, so its rows are not counted out.
    return { ...result, rowsOut: result.files.filter((file) => file.written).reduce((sum, file) => sum + file.rows, 0) };
  };
