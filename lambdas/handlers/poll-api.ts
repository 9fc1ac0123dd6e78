import { pollApi } from '../ingest/poll-api.ts';
import { catalogOf, type Handler, type HandlerPorts } from './handler-ports.ts';

/** -> one JSON-lines file per HTTP source in raw; a failed poll writes nothing. */
export const pollApiHandler =
  (ports: HandlerPorts): Handler =>
  async () => {
    const polled = [];
    for (const source of catalogOf(ports).sources(ports.settings.name)) {
      polled.push(await pollApi({ store: ports.store, secrets: ports.secrets, clock: ports.clock, limits: ports.settings.ingestion }, source));
    }
    return { polled, rowsOut: polled.reduce((sum, poll) => sum + poll.records, 0) };
  };
