import { ALL_TOKEN_SCOPES, type TokenScope } from '@studio/node-schemas';
import { StudioError } from '../errors.ts';
import { listKeys, removeKey, rotateKey } from './jwt-keyring.ts';
import { UserStore } from './user-store.ts';

export const USAGE = `npm run user -- <command>
  add NAME --tenant T --password P [--read-only]   create a user (P '-': read it from stdin)
  passwd NAME --password P                         set a user's password
  remove NAME                                      delete a user (their tokens stop working at once)
  signout NAME                                     sign a user out everywhere (a new password does too)
  list [--tenant T]                                the users, with tenant and scopes
  keys                                             the JWT signing keys (kid, created, current)
  rotate-key                                       add a signing key and sign new tokens with it
  remove-key KID                                   drop an old key: tokens signed with it stop verifying
STUDIO_HOME selects the workspace.`;

export class UsageError extends StudioError {
  override readonly code = 'INVALID_REQUEST';
  override readonly status = 400;
}

function parseArgs(argv: readonly string[]): { positional: string[]; options: Map<string, string | true> } {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) positional.push(arg);
    else if (arg === '--read-only') options.set('read-only', true);
    else {
      const value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value !== '-')) throw new UsageError(`${arg} needs a value`);
      options.set(arg.slice(2), value);
      i++;
    }
  }
  return { positional, options };
}

/** One `npm run user` command against the workspace at `home`; writes its answer with `print`. `readStdin` gives `--password -`. */
export async function runUserCommand({
  argv,
  home,
  print,
  readStdin,
}: {
  argv: readonly string[];
  home: string;
  print: (line: string) => void;
  readStdin: () => Promise<string>;
}): Promise<void> {
  const [command, ...rest] = argv;
  const { positional, options } = parseArgs(rest);
  const option = (name: string): string => {
    const value = options.get(name);
    if (typeof value !== 'string') throw new UsageError(`--${name} is required\n${USAGE}`);
    return value;
  };
  const password = async () => {
    const given = option('password');
    return given === '-' ? (await readStdin()).replace(/\r?\n$/, '') : given;
  };
  const name = () => {
    if (positional.length !== 1) throw new UsageError(`one user NAME is expected\n${USAGE}`);
    return positional[0]!;
  };

  if (command === 'keys') {
    for (const k of listKeys(home)) print(`${k.kid}\t${k.created_at}${k.current ? '\tcurrent' : ''}`);
    return;
  }
  if (command === 'rotate-key') return print(`new signing key ${rotateKey(home).kid}; tokens of the older keys verify until you remove them (remove-key KID)`);
  if (command === 'remove-key') {
    removeKey(home, name());
    return print(`removed key ${positional[0]}`);
  }

  const store = new UserStore(home);
  try {
    switch (command) {
      case 'add': {
        const scopes: TokenScope[] = options.has('read-only') ? ['projects:read'] : [...ALL_TOKEN_SCOPES];
        const user = await store.add({ username: name(), tenant: option('tenant'), password: await password(), scopes });
        return print(`added ${user.username} (tenant ${user.tenant}, ${user.scopes.join(' ')})`);
      }
      case 'passwd':
        await store.setPassword({ username: name(), password: await password() });
        return print(`password of ${positional[0]} changed`);
      case 'remove':
        store.remove({ username: name() });
        return print(`removed ${positional[0]}`);
      case 'signout':
        store.revokeTokens({ username: name() });
        return print(`${positional[0]} is signed out everywhere: every earlier token is refused`);
      case 'list': {
        const tenant = options.get('tenant');
        for (const u of store.list(typeof tenant === 'string' ? tenant : undefined))
          print(`${u.username}\t${u.tenant}\t${u.scopes.join(' ')}\t${u.created_at}`);
        return;
      }
      default:
        throw new UsageError(command ? `unknown command '${command}'\n${USAGE}` : USAGE);
    }
  } finally {
    store.close();
  }
}
