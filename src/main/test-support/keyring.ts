import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const consoleCore = join(import.meta.dirname, '..', 'console-core.ts');
const projectRoot = join(import.meta.dirname, '..', '..', '..');

/**
 * Runs console code as two launches of the console on a desktop: in a child process with a
 * private D-Bus session and an unlocked GNOME keyring, so "remember" saves the password in a real
 * Secret Service. `body` is TypeScript lines that may use `createConsoleCore`, `opts` (the console's
 * options, its user data under `work`) and `started(core)` (waits until the saved servers of a new
 * launch have tried to sign in, and answers servers:list); its last printed line, JSON, is returned.
 */
export async function runConsoleInKeyring(work: string, name: string, body: readonly string[]): Promise<unknown> {
  const script = join(work, `${name}.mts`);
  await writeFile(
    script,
    [
      `import { createConsoleCore } from ${JSON.stringify(consoleCore)};`,
      `const opts = { userDataDir: ${JSON.stringify(join(work, 'console'))}, host: 'web', saveTarget: async () => ({ kind: 'cancelled' }), emit: () => {} };`,
      'async function started(core) {',
      '  let list;',
      '  for (let i = 0; i < 100; i++) {',
      "    list = (await core.dispatch('servers:list', {})).data;",
      "    if (list[0]?.status !== 'disconnected') break;",
      '    await new Promise((r) => setTimeout(r, 100));',
      '  }',
      '  return list;',
      '}',
      ...body,
    ].join('\n'),
  );
  const inner = `echo -n test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null; HOME=${JSON.stringify(work)} exec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(script)}`;
  const { stdout } = await promisify(execFile)('dbus-run-session', ['--', 'bash', '-c', inner], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}
