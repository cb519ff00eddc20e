import { useMemo, useState } from 'react';
import type { PasswordMode } from '../../../../shared/ipc/contract';
import type { ServerPolicy } from '../../../../shared/model/password-policy';
import { passwordsFor } from '../../../../shared/password-template';
import type { TargetUser } from '../../store/types';
import { draftMode, formProblems, missingPasswords, passwordVerdicts, policyFailures, type GenerateFields } from './form-problems';

const EMPTY: GenerateFields = { mode: 'same', password: '', confirm: '', prefix: '', startText: '1', postfix: '', unique: {} };

/**
 * The Generate dialog's form: what is typed for each password mode, the PasswordMode of the
 * contract it stands for, every user's password checked live against the policy, and what
 * stops OK. The checks are memoised on the fields they read, so typing in one row of
 * 10,000 unique passwords or in "Confirm password" stays smooth.
 */
export function useGenerateForm(ctx: { users: readonly TargetUser[] | null; count: number; again: boolean; policy: ServerPolicy | null }) {
  const [fields, setFields] = useState<GenerateFields>(EMPTY);
  const [showUnique, setShowUnique] = useState(false);
  const [tried, setTried] = useState(false);
  const { users, policy } = ctx;
  const { mode, password, prefix, startText, postfix, unique } = fields;

  const draft = useMemo(() => draftMode({ mode, password, prefix, startText, postfix, unique }), [mode, password, prefix, startText, postfix, unique]);
  const passwords = useMemo(() => (users && draft ? passwordsFor(draft, users.map((u) => u.id), { draft: true }) : []), [users, draft]);
  const verdicts = useMemo(() => (users ? passwordVerdicts(users, passwords, policy) : []), [users, passwords, policy]);
  const failures = policyFailures(users, verdicts);
  const problems = formProblems(fields, { ...ctx, verdicts });

  function set<K extends keyof GenerateFields>(key: K, value: GenerateFields[K]) {
    setFields((f) => ({ ...f, [key]: value }));
  }

  return {
    fields,
    set,
    setUniqueOne(userId: string, value: string) {
      setFields((f) => ({ ...f, unique: { ...f.unique, [userId]: value } }));
    },
    showUnique,
    setShowUnique,
    /** Whether OK was pressed: from then on the fields show their problems. */
    tried,
    /** Each user's password in the users' order ('same' repeats one), '' where there is none yet; none while "Start from" is not a number. */
    passwords,
    verdicts,
    failures,
    /** Unique mode: users with no password yet. */
    missing: mode === 'unique' ? missingPasswords(users, unique) : 0,
    problems,
    /** OK: shows the problems from now on; true when there are none. */
    attempt(): boolean {
      setTried(true);
      return problems.first === undefined;
    },
    /** What qr:generate gets: in unique mode a password for exactly these users. */
    request(): PasswordMode | null {
      if (draft?.kind !== 'unique') return draft;
      const map: Record<string, string> = {};
      for (const u of users ?? []) map[u.id] = unique[u.id] ?? '';
      return { kind: 'unique', passwords: map };
    },
  };
}

export type GenerateForm = ReturnType<typeof useGenerateForm>;
