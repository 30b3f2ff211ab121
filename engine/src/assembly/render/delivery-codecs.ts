/**
 * The codecs of a finished movie, whichever renderer makes it (filter graph, editly, the editly
 * fix-up pass): H.264 in yuv420p and stereo AAC at 48 kHz, so every render plays and imports alike.
 */
export const H264_DELIVERY = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'];
export const AAC_DELIVERY = ['-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2'];
