import { z } from 'zod';

/** Node and edge ids: short, printable, no path or markup characters. */
export const ElementId = z
  .string()
  .min(1, 'id must not be empty')
  .max(128, 'id must be at most 128 characters')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'id may hold only letters, digits and _ . : -');
export type ElementId = z.infer<typeof ElementId>;

/** A project id is its folder's slug under Projects/. */
export const ProjectId = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'project id must be a lowercase slug');
export type ProjectId = z.infer<typeof ProjectId>;

/** A path relative to a project root: no absolute paths, no "..", no backslashes or NULs. */
export const ProjectRelativePath = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (p) => !p.startsWith('/') && !p.includes('\\') && !p.includes('\0') && p.split('/').every((part) => part !== '..' && part !== '.' && part !== ''),
    'must be a relative path inside the project',
  );
