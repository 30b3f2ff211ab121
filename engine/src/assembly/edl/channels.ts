const CHANNELS_PATTERN = /^(?:V|B|NONE|AA|AA\/V|A\d{0,2}|A\d{0,2}\/V)$/;

/** Whether a token can be the channel column of an event line. */
export function isChannels(token: string): boolean {
  return CHANNELS_PATTERN.test(token);
}

/**
 * The tracks an event occupies: 'V', 'A1', 'A2'... CMX3600 packs several into one code
 * (B is video plus audio 1, AA is audio 1 and 2) and adds channels 3 and 4 with an AUD line.
 * NONE occupies no track.
 */
export function channelTracks(args: { channels: string; audioChannels?: readonly number[] | undefined }): string[] {
  const tracks = new Set<string>();
  const { channels } = args;
  if (channels === 'B') {
    tracks.add('V');
    tracks.add('A1');
  } else if (channels !== 'NONE') {
    for (const part of channels.split('/')) {
      if (part === 'V') tracks.add('V');
      else if (part === 'AA') {
        tracks.add('A1');
        tracks.add('A2');
      } else if (part === 'A') tracks.add('A1');
      else tracks.add(part);
    }
  }
  for (const n of args.audioChannels ?? []) tracks.add(`A${n}`);
  return [...tracks];
}
