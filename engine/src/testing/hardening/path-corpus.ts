/**
 * Hostile file paths for GET /files/*: traversal in every encoding, absolute paths, separators,
 * null bytes, overlong UTF-8 and the names of files that must never be served, under every
 * readable folder prefix. Deterministic, so a failure names the same path every run.
 */
export function hostilePaths(): string[] {
  const ups = ['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '%c0%ae%c0%ae', '..%00', '%2e%2e%5c', '..\\', '..%5c', '...', '.'];
  const seps = ['/', '%2f', '%2F', '%252f', '\\', '%5c', '//'];
  const targets = [
    '.git/config',
    '.git/HEAD',
    'project.json',
    '02_Source_Creative/Canvases/main_canvas.json',
    'etc/passwd',
    '.studio-journal',
    '../../../../etc/passwd',
  ];
  const prefixes = ['', '03_Renders/', '01_Assets/', '06_Exports/', '05_Cache/thumbnails/', '04_Project_Files/EDLs/', '03_Renders/SCENE_01/'];
  const out = new Set<string>();
  for (const prefix of prefixes)
    for (const up of ups)
      for (const sep of seps)
        for (const depth of [1, 2, 4]) for (const target of targets.slice(0, 4)) out.add(`${prefix}${`${up}${sep}`.repeat(depth)}${target}`);
  for (const prefix of prefixes)
    for (const target of targets) {
      out.add(`${prefix}${target}`);
      out.add(`${prefix}${encodeURIComponent(target)}`);
      out.add(`${prefix}%2f${target}`);
      out.add(`/${prefix}${target}`);
      out.add(`${prefix}${target}%00.png`);
      out.add(`${prefix}${target}?x=.png`);
    }
  for (const abs of ['/etc/passwd', '%2fetc%2fpasswd', '//etc/passwd', 'file:///etc/passwd', 'C:\\Windows\\win.ini', '~/.ssh/id_rsa'])
    for (const prefix of prefixes) out.add(`${prefix}${abs}`);
  // The links planted in the fixture, directly and through dot segments.
  for (const link of [
    '03_Renders/x.txt',
    '03_Renders/abs.txt',
    '03_Renders/inside.png',
    '03_Renders/linked-dir/main_canvas.json',
    '06_Exports/config',
    '01_Assets/outside/secret.txt',
  ])
    for (const variant of [link, link.replace('/', '%2f'), link.replace('/', '/./'), `03_Renders/../${link}`, encodeURI(link)]) out.add(variant);
  return [...out];
}
