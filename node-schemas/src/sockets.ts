import { z } from 'zod';

/** Socket data types (docs/canvas.md#socket-types): the contract between node sockets. */
export const SOCKET_TYPES = [
  'String',
  'Integer',
  'Float',
  'Boolean',
  'Image',
  'Video',
  'Audio',
  'AssetReference',
  'ControlMap',
  'Mask',
  'PipelineReference',
  'EDL',
] as const;

export const SocketType = z.enum(SOCKET_TYPES);
export type SocketType = z.infer<typeof SocketType>;

/** A socket carries one type or a union of types (a Shot outputs Video or Image). */
export const SocketTypeSpec = z.union([SocketType, z.array(SocketType).min(1)]);
export type SocketTypeSpec = z.infer<typeof SocketTypeSpec>;

export function socketTypesOf(spec: SocketTypeSpec): readonly SocketType[] {
  return typeof spec === 'string' ? [spec] : spec;
}

/**
 * ControlMap (depth, pose) and Mask (greyscale) are specialised images, so they may feed an Image
 * input; an arbitrary Image may not feed a ControlMap or Mask input.
 */
const WIDENS_TO: Partial<Record<SocketType, readonly SocketType[]>> = {
  ControlMap: ['Image'],
  Mask: ['Image'],
  Integer: ['Float'],
};

function typeFits(output: SocketType, input: SocketType): boolean {
  return output === input || (WIDENS_TO[output]?.includes(input) ?? false);
}

/**
 * An output may connect to an input when at least one type the output can carry fits a type the
 * input accepts. Returns null when compatible, otherwise the reason in words.
 */
export function socketIncompatibility(output: SocketTypeSpec, input: SocketTypeSpec): string | null {
  const outs = socketTypesOf(output);
  const ins = socketTypesOf(input);
  for (const o of outs) for (const i of ins) if (typeFits(o, i)) return null;
  return `${outs.join('/')} cannot connect to ${ins.join('/')}`;
}

export function socketsCompatible(output: SocketTypeSpec, input: SocketTypeSpec): boolean {
  return socketIncompatibility(output, input) === null;
}
