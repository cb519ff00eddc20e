import { useCallback, useEffect, useRef, useState } from 'react';
import { Button } from 'react-aria-components';
import { errorMessage } from '../lib/format';
import { useAppStore } from '../store/store';
import { useUnsavedGuard } from './use-unsaved-guard';

/** What one part of a server's Settings is: where its values come from, how they are edited and sent. */
export interface SettingsFormSpec<S, D> {
  /** The part's key for the unsaved-edits question, and how the question names it ("the mail settings of Plant A"). */
  readonly part: string;
  readonly what: string;
  /** Reads what the server has now: on mount, when `source` changes and on Refresh (F5), which drops unsaved edits. */
  readonly load: () => Promise<S>;
  /** What `load` reads from (the server's id): a new one loads again. */
  readonly source: string;
  readonly toDraft: (saved: S) => D;
  /** Whether the draft differs from what the server has, as the server would see it (so "020" and "20" are the same). */
  readonly changed: (draft: D, saved: S) => boolean;
  /** Sends the draft and answers what the server then has; a string instead is why it cannot be sent, and nothing is. */
  readonly submit: (draft: D, saved: S) => Promise<S> | string;
  /** What the status line says after a save. */
  readonly savedText?: string;
}

/** One part of Settings as a form: the server's values, the draft, and what Save, Revert and leaving do. */
export interface SettingsForm<S, D> {
  readonly saved: S | null;
  readonly draft: D | null;
  /** Why the values could not be read; the part shows this instead of its form. */
  readonly loadError: string | null;
  /** Why the last save was refused (the server's or the contract's words), or a problem the part reports itself. */
  readonly error: string | null;
  readonly status: string;
  readonly saving: boolean;
  readonly changed: boolean;
  /** A save was tried since the last load, save or revert: field problems may be marked from now on. */
  readonly tried: boolean;
  edit(patch: Partial<D>): void;
  setError(message: string | null): void;
  /** Sends the draft; false when it was refused (the reason is then in `error`). */
  save(): Promise<boolean>;
  revert(): void;
}

/**
 * The state every part of a server's Settings had written out for itself (load on mount and on
 * Refresh, a draft beside what the server said, Save, Revert, "Saved.", the refusal, and the
 * question on leaving with unsaved edits), in one place, so the parts differ only in their fields.
 */
export function useSettingsForm<S, D>(spec: SettingsFormSpec<S, D>): SettingsForm<S, D> {
  const refreshTick = useAppStore((s) => s.refreshTick);
  const [saved, setSaved] = useState<S | null>(null);
  const [draft, setDraft] = useState<D | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [saving, setSaving] = useState(false);
  const [tried, setTried] = useState(false);
  // The latest spec: its functions close over the part's props, and a load started for an
  // earlier render must still use the part's current way of turning values into a draft.
  const latest = useRef(spec);
  useEffect(() => {
    latest.current = spec;
  });

  const show = useCallback((s: S) => {
    setSaved(s);
    setDraft(latest.current.toDraft(s));
    setError(null);
    setTried(false);
  }, []);

  const { source } = spec;
  useEffect(() => {
    let live = true;
    latest.current.load().then(
      (s) => {
        if (!live) return;
        show(s);
        setLoadError(null);
      },
      (err: unknown) => {
        if (live) setLoadError(errorMessage(err));
      },
    );
    return () => {
      live = false;
    };
  }, [source, refreshTick, show]);

  const changed = saved !== null && draft !== null && spec.changed(draft, saved);

  function edit(patch: Partial<D>) {
    setDraft((d) => (d ? { ...d, ...patch } : d));
    setStatus('');
    setError(null);
  }

  // The save under way: asked again meanwhile (the leave question's Save), it is the answer.
  const inFlight = useRef<Promise<boolean> | null>(null);

  function save(): Promise<boolean> {
    inFlight.current ??= send().finally(() => {
      inFlight.current = null;
    });
    return inFlight.current;
  }

  async function send(): Promise<boolean> {
    setTried(true);
    if (!draft || !saved) return false;
    const request = spec.submit(draft, saved);
    if (typeof request === 'string') {
      setError(request);
      return false;
    }
    setSaving(true);
    setError(null);
    try {
      show(await request);
      setStatus(spec.savedText ?? 'Saved.');
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      setSaving(false);
    }
  }

  function revert() {
    if (saved) setDraft(spec.toDraft(saved));
    setError(null);
    setTried(false);
    setStatus('');
  }

  useUnsavedGuard(spec.part, changed, spec.what, save, revert);
  return { saved, draft, loadError, error, status, saving, changed, tried, edit, setError, save, revert };
}

/** The foot of a Settings form: the refusal, Save (the form's submit), Revert and the status line. */
export function SettingsFormFooter({ form, canSave = true }: { form: SettingsForm<unknown, unknown>; canSave?: boolean }) {
  return (
    <>
      {form.error ? (
        <p className="dialog-error" role="alert">
          {form.error}
        </p>
      ) : null}
      <div className="settings-buttons">
        <Button type="submit" className="button primary" isDisabled={!form.changed || form.saving || !canSave}>
          Save
        </Button>
        <Button className="button" isDisabled={!form.changed || form.saving} onPress={form.revert}>
          Revert
        </Button>
        <span className="ok-text" role="status">
          {form.status}
        </span>
      </div>
    </>
  );
}

/** The onSubmit of a Settings form: Enter or Save sends it once, when there is something to send. */
export function submitSettings<S, D>(form: SettingsForm<S, D>) {
  return (e: { preventDefault(): void }) => {
    e.preventDefault();
    if (form.changed && !form.saving) void form.save();
  };
}
