export const REPO: string;
export const CACHE: string;
export const CURRENT: string;
export const BUILD_KIND: string;
export const BUNDLE_FILE: string;
export function stamp(path: string): string | null;
export function currentBundle(): string | null;
