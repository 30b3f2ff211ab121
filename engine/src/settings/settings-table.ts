import { VARIABLES, type Variable } from './variables.ts';

/** The README's table of environment variables, written from VARIABLES so the two cannot drift. */
export function settingsTable(): string {
  const rows = (Object.entries(VARIABLES) as Array<[string, Variable]>).map(([name, v]) => {
    const shown = v.shownDefault ?? (v.default === undefined ? 'none' : `\`${v.default}\``);
    return `| \`${name}\` | ${v.type} | ${shown} | ${v.doc} |`;
  });
  return ['| Variable | Type | Default | |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
