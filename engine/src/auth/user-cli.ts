// `npm run user -- add NAME --tenant T --password P` and the other user and key commands (user-commands.ts).
import { StudioError } from '../errors.ts';
import { loadSettings } from '../settings/index.ts';
import { runUserCommand } from './user-commands.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main() {
  const settings = loadSettings(process.env);
  await runUserCommand({ argv: process.argv.slice(2), home: settings.studioHome, print: (line) => console.log(line), readStdin });
}

main().catch((error) => {
  console.error(error instanceof StudioError ? `npm run user: ${error.message}` : error);
  process.exitCode = 1;
});
