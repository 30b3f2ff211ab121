import { describe, expect, it } from 'vitest';
import { slugCandidates, slugify } from './slug.ts';

describe('slugify', () => {
  it.each([
    ['My Film', 'my-film'],
    ['../../etc', 'etc'],
    ['..', ''],
    ['/etc/passwd', 'etc-passwd'],
    ['con', 'con-project'],
    ['LPT1', 'lpt1-project'],
    ['', ''],
    ['🎬🎥', ''],
    ['Café Noir 🎬', 'cafe-noir'],
    ['a\\b\0c', 'a-b-c'],
  ])('%j -> %j', (name, slug) => expect(slugify(name)).toBe(slug));

  it('caps length', () => {
    const slug = slugify('x'.repeat(5000));
    expect(slug.length).toBeLessThanOrEqual(60);
    expect(slug).toMatch(/^[a-z0-9-]+$/);
  });

  it('falls back to "project" and numbers duplicates within the length cap', () => {
    const gen = slugCandidates('🎬');
    expect([gen.next().value, gen.next().value, gen.next().value]).toEqual(['project', 'project-2', 'project-3']);
    const long = slugCandidates('y'.repeat(500));
    long.next();
    expect(long.next().value).toMatch(/^y{58}-2$/);
  });
});
