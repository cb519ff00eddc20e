import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, useState } from 'react';
import { Button, Checkbox, FileTrigger } from 'react-aria-components';
import type { ServerPolicy } from '../../../../shared/model/password-policy';
import { generateStrongPassword } from '../../../../shared/password-template';
import { CsvError, describePasswordsFileErrors, parsePasswordsFile } from '../../../../shared/passwords-file';
import { errorMessage, formatCount } from '../../lib/format';
import type { TargetUser } from '../../store/types';
import { PolicyPanel, violationsFor } from '../policy-panel';
import type { PasswordVerdict } from './form-problems';
import type { GenerateForm } from './use-generate-form';
import { PolicySummary, Verdict } from './verdicts';

/** Row height of the unique-password grid; fixed, so thousands of rows need no measuring. */
const UNIQUE_ROW_H = 30;
/** Tries at a strong password that also passes the per-user checks (a random one containing the login is astronomically rare). */
const STRONG_TRIES = 20;

/** A strong password for `login` that passes every rule the console can check. */
function strongPasswordFor(login: string, policy: ServerPolicy | null): string {
  const length = Math.max(16, policy?.minLength ?? 0);
  let pw = generateStrongPassword(length);
  for (let i = 0; policy && i < STRONG_TRIES && violationsFor(pw, policy, login).length > 0; i++) pw = generateStrongPassword(length);
  return pw;
}

/** The unique-password grid: one row per user, virtualised so 10,000 rows type smoothly. */
function UniqueGrid(props: {
  users: readonly TargetUser[];
  passwords: Readonly<Record<string, string>>;
  verdicts: readonly PasswordVerdict[];
  show: boolean;
  onChange: (userId: string, value: string) => void;
  onGenerate: (user: TargetUser) => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read during render by design
  const virtualizer = useVirtualizer({
    count: props.users.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => UNIQUE_ROW_H,
    overscan: 10,
    useFlushSync: false,
  });
  return (
    <div className="unique-grid" role="table" aria-label="Unique passwords" aria-rowcount={props.users.length + 1}>
      <div role="row" className="unique-row header" aria-rowindex={1}>
        <span role="columnheader">Login</span>
        <span role="columnheader">Password</span>
        <span role="columnheader">Policy</span>
        <span role="columnheader">
          <span className="visually-hidden">Actions</span>
        </span>
      </div>
      <div ref={scrollRef} className="unique-scroll" role="rowgroup">
        <div className="qr-spacer" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const u = props.users[item.index];
            if (!u) return null;
            const pw = props.passwords[u.id] ?? '';
            return (
              <div key={u.id} role="row" aria-rowindex={item.index + 2} className="unique-row body" style={{ transform: `translateY(${item.start}px)` }}>
                <span role="cell" className="cell" title={u.login}>{u.login}</span>
                <span role="cell">
                  <input
                    className="grid-input"
                    type={props.show ? 'text' : 'password'}
                    aria-label={`Password for ${u.login}`}
                    value={pw}
                    spellCheck={false}
                    autoComplete="new-password"
                    onChange={(e) => props.onChange(u.id, e.target.value)}
                  />
                </span>
                <span role="cell" className="cell">
                  <Verdict violations={props.verdicts[item.index] ?? null} empty={pw === ''} />
                </span>
                <span role="cell">
                  <Button className="button small" aria-label={`Generate strong password for ${u.login}`} onPress={() => props.onGenerate(u)}>
                    Generate
                  </Button>
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** The largest passwords file the dialog reads (10,000 users with long passwords are far below it). */
const MAX_FILE_BYTES = 5 * 1024 * 1024;

/**
 * A passwords file (login,password rows) applied to the users of the dialog: their passwords
 * by user id, and one plain sentence on what matched, what did not and which rows are wrong.
 */
export function applyPasswordsFile(
  text: string,
  fileName: string,
  users: readonly TargetUser[],
): { passwords: Record<string, string>; message: string; tone: 'ok' | 'error' } {
  const file = parsePasswordsFile(text);
  const passwords: Record<string, string> = {};
  const without: string[] = [];
  const wanted = new Set<string>();
  for (const u of users) {
    const key = u.login.toLowerCase();
    wanted.add(key);
    const pw = file.byLogin.get(key);
    if (pw === undefined) without.push(u.login);
    else passwords[u.id] = pw;
  }
  const extra = [...file.byLogin.keys()].filter((k) => !wanted.has(k)).length;
  const parts = [`${fileName}: passwords for ${Object.keys(passwords).length.toLocaleString('en-US')} of ${formatCount(users.length, 'user')}.`];
  if (without.length > 0) parts.push(`None for ${without.slice(0, 5).join(', ')}${without.length > 5 ? ` and ${(without.length - 5).toLocaleString('en-US')} more` : ''}.`);
  if (extra > 0) parts.push(`${formatCount(extra, 'login')} in the file ${extra === 1 ? 'is' : 'are'} not among them.`);
  if (file.errors.length > 0) parts.push(`Not used: ${describePasswordsFileErrors(file.errors, 5)}.`);
  return { passwords, message: parts.join(' '), tone: without.length > 0 || file.errors.length > 0 ? 'error' : 'ok' };
}

/** "Use unique": a password per user, typed or generated, each checked against the policy and its login. */
export function UniquePasswords(props: { form: GenerateForm; users: readonly TargetUser[] | null; policy: ServerPolicy | null; policyError: string | null }) {
  const { form, users, policy } = props;
  const { failures } = form;
  const [loaded, setLoaded] = useState<{ message: string; tone: 'ok' | 'error' } | null>(null);

  async function loadFile(files: FileList | null) {
    const file = files?.[0];
    if (!file || !users) return;
    try {
      if (file.size > MAX_FILE_BYTES) throw new Error(`${file.name} is larger than 5 MB: is it a passwords file?`);
      const result = applyPasswordsFile(await file.text(), file.name, users);
      // Loaded passwords replace those of the users the file names; the others keep theirs.
      form.set('unique', { ...form.fields.unique, ...result.passwords });
      setLoaded({ message: result.message, tone: result.tone });
    } catch (err) {
      setLoaded({ message: err instanceof CsvError ? `${file.name}: ${err.message}` : errorMessage(err), tone: 'error' });
    }
  }

  function generateAll() {
    if (!users) return;
    const next: Record<string, string> = {};
    for (const u of users) next[u.id] = strongPasswordFor(u.login, policy);
    form.set('unique', next);
  }

  return (
    <>
      <div className="unique-tools">
        <Button className="button" onPress={generateAll} isDisabled={!users} autoFocus>
          Generate all
        </Button>
        <FileTrigger acceptedFileTypes={['.csv', 'text/csv', 'text/plain']} onSelect={(f) => void loadFile(f)}>
          <Button className="button" isDisabled={!users}>
            Load from file…
          </Button>
        </FileTrigger>
        <Checkbox className="checkbox" isSelected={form.showUnique} onChange={form.setShowUnique}>
          <span className="checkbox-box" aria-hidden="true" />
          Show passwords
        </Checkbox>
        <span className="spacer" />
        <PolicySummary total={users?.length ?? 0} failing={failures.count} first={failures.first} ready={!!policy && !!users} missing={form.missing} />
      </div>
      {loaded ? (
        <p className={loaded.tone === 'ok' ? 'note' : 'error-text'} role="status">
          {loaded.message}
        </p>
      ) : (
        <p className="note">Load from file reads CSV rows of login,password (the file `gatepass export --passwords-file` takes).</p>
      )}
      {users ? (
        <UniqueGrid
          users={users}
          passwords={form.fields.unique}
          verdicts={form.verdicts}
          show={form.showUnique}
          onChange={form.setUniqueOne}
          onGenerate={(u) => form.setUniqueOne(u.id, strongPasswordFor(u.login, policy))}
        />
      ) : (
        <p className="note">Loading users…</p>
      )}
      <PolicyPanel policy={policy} error={props.policyError} />
    </>
  );
}
