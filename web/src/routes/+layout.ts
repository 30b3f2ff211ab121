// The studio is a client-side app served by the engine: no server rendering, no prerendering.
export const ssr = false;
export const prerender = false;
