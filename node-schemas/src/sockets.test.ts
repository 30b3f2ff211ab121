import { describe, expect, it } from 'vitest';
import { socketIncompatibility, socketsCompatible } from './sockets.ts';

describe('socket compatibility', () => {
  it('accepts the same type', () => {
    expect(socketsCompatible('Video', 'Video')).toBe(true);
    expect(socketsCompatible('PipelineReference', 'PipelineReference')).toBe(true);
  });
  it('accepts a union when any member fits', () => {
    expect(socketsCompatible(['Video', 'Image'], 'Video')).toBe(true);
    expect(socketsCompatible('Image', ['Image', 'Video'])).toBe(true);
  });
  it('lets specialised images feed an Image input but not the reverse', () => {
    expect(socketsCompatible('ControlMap', 'Image')).toBe(true);
    expect(socketsCompatible('Mask', 'Image')).toBe(true);
    expect(socketsCompatible('Image', 'Mask')).toBe(false);
    expect(socketsCompatible('Image', 'ControlMap')).toBe(false);
  });
  it('refuses unrelated types and says why', () => {
    expect(socketIncompatibility('Audio', 'PipelineReference')).toBe('Audio cannot connect to PipelineReference');
    expect(socketsCompatible('Float', 'Integer')).toBe(false);
    expect(socketsCompatible('Integer', 'Float')).toBe(true);
  });
});
