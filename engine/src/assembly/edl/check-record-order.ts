import { channelTracks } from './channels.ts';
import { EdlRecordOrderError } from './errors.ts';
import type { EdlEvent, EdlList } from './types.ts';

/**
 * Refuses a list whose record times go backwards or overlap on any track, naming the event.
 * Tracks are checked separately (audio under picture is not an overlap); NONE events occupy
 * none. A dissolve's zero-length outgoing cut and its D event both start where the previous
 * event ends, so CMX3600 transitions pass.
 */
export function checkRecordOrder(list: Pick<EdlList, 'events'>): void {
  const lastOnTrack = new Map<string, EdlEvent>();
  for (const event of list.events) {
    if (event.recordOut.frames < event.recordIn.frames) {
      throw new EdlRecordOrderError({
        eventNumber: event.number,
        line: event.line,
        message: `record out ${event.recordOut.timecode} is before record in ${event.recordIn.timecode}`,
      });
    }
    for (const track of channelTracks({ channels: event.channels, audioChannels: event.audioChannels })) {
      const previous = lastOnTrack.get(track);
      if (previous && event.recordIn.frames < previous.recordIn.frames) {
        throw new EdlRecordOrderError({
          eventNumber: event.number,
          line: event.line,
          message: `record in ${event.recordIn.timecode} goes back before event ${previous.number}'s record in ${previous.recordIn.timecode} on track ${track}`,
          data: { track, previousEventNumber: previous.number },
        });
      }
      if (previous && event.recordIn.frames < previous.recordOut.frames) {
        throw new EdlRecordOrderError({
          eventNumber: event.number,
          line: event.line,
          message: `record in ${event.recordIn.timecode} overlaps event ${previous.number}, which runs to ${previous.recordOut.timecode} on track ${track}`,
          data: { track, previousEventNumber: previous.number },
        });
      }
      lastOnTrack.set(track, event);
    }
  }
}
