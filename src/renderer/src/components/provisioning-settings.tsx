import { useCallback, useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { Field } from '../dialogs/field';
import { ValidityField } from '../dialogs/validity-field';
import { errorMessage, formatDateTime } from '../lib/format';
import { validityDraft, validityProblem, validitySeconds, type ValidityDraft } from '../lib/validity';
import { useAppStore } from '../store/store';
import { useUnsavedGuard } from './use-unsaved-guard';

type Settings = ChannelOutput<'provisioning:settings'>;

interface Draft {
  readonly validity: ValidityDraft;
  /** The administrator's own QR Code URL, or '' for the server's default. */
  readonly qrCodeUrl: string;
}

function toDraft(s: Settings): Draft {
  return { validity: validityDraft(s.codeValiditySeconds), qrCodeUrl: s.qrCodeUrlCustom ?? '' };
}

/** An http(s) address, as the server takes it; null when it is one (or empty: the default). */
function urlProblem(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  try {
    const u = new URL(t);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'An http:// or https:// address';
  } catch {
    return 'An http:// or https:// address';
  }
}

/**
 * Settings of one server: mobile provisioning. "Provision code validity" (how long a new code
 * works unless the sender says otherwise: the default of Send provisioning email and Show
 * provisioning QR) and "QR Code URL" (what `url4` in a provisioning mail expands to: empty for
 * this server's own image route), with the public URL and server ID every code carries.
 */
export function ProvisioningSettings({ serverId, serverName }: { serverId: string; serverName: string }) {
  const refreshTick = useAppStore((s) => s.refreshTick);
  const [saved, setSaved] = useState<Settings | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [saving, setSaving] = useState(false);

  const load = useCallback(async () => {
    try {
      const s = await window.gatepass.provisioning.settings({ serverId });
      setSaved(s);
      setDraft(toDraft(s));
      setLoadError(null);
      setError(null);
    } catch (err) {
      setLoadError(errorMessage(err));
    }
  }, [serverId]);

  useEffect(() => {
    // Fetching on mount and on Refresh (F5) is the point of this effect; Refresh drops unsaved edits.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load();
  }, [load, refreshTick]);

  const seconds = draft && validityProblem(draft.validity) === null ? validitySeconds(draft.validity) : null;
  const changed = saved !== null && draft !== null && (seconds !== saved.codeValiditySeconds || draft.qrCodeUrl.trim() !== (saved.qrCodeUrlCustom ?? ''));
  const problem = draft ? (validityProblem(draft.validity) ?? urlProblem(draft.qrCodeUrl)) : null;

  function edit(patch: Partial<Draft>) {
    setDraft((d) => (d ? { ...d, ...patch } : d));
    setStatus('');
    setError(null);
  }

  /** Saves the form; false when it was refused (the reason is then shown under it). */
  async function save(): Promise<boolean> {
    if (!draft || seconds === null || problem) {
      setError(problem ?? 'Put right what is marked above, then save.');
      return false;
    }
    setSaving(true);
    setError(null);
    try {
      const s = await window.gatepass.provisioning.setSettings({ serverId, codeValiditySeconds: seconds, qrCodeUrl: draft.qrCodeUrl.trim() || null });
      setSaved(s);
      setDraft(toDraft(s));
      setStatus('Saved.');
      return true;
    } catch (err) {
      setError(errorMessage(err));
      return false;
    } finally {
      setSaving(false);
    }
  }

  function revert() {
    if (saved) setDraft(toDraft(saved));
    setError(null);
    setStatus('');
  }

  // Leaving with unsaved edits asks first, as for the rest of Settings.
  useUnsavedGuard('provisioning', changed, `the mobile provisioning settings of ${serverName}`, save, revert);

  if (loadError) {
    return (
      <p className="grid-message error-text" role="alert">
        Mobile provisioning settings: {loadError}
      </p>
    );
  }
  if (!draft || !saved) return null;
  return (
    <form
      className="settings-section"
      aria-label="Mobile provisioning"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (changed && !saving) void save();
      }}
    >
      <h2 className="settings-heading">Mobile provisioning</h2>
      <ValidityField label="Provision code validity" value={draft.validity} onChange={(validity) => edit({ validity })} serverDefault={null} isDisabled={saving} />
      <p className="note">The default of Send provisioning email and Show provisioning QR, which may choose another for each run.</p>
      <Field
        label="QR Code URL"
        value={draft.qrCodeUrl}
        onChange={(qrCodeUrl) => edit({ qrCodeUrl })}
        error={urlProblem(draft.qrCodeUrl) ?? undefined}
        placeholder={saved.qrCodeUrlCustom === null ? saved.qrCodeUrl : `${saved.publicUrl}/userportal/getQRCode?text=`}
        isDisabled={saving}
        hint="What url4 in a provisioning mail expands to, with the code appended. Empty: this server's own QR image route."
      />
      <dl className="settings-facts">
        <dt>Public URL</dt>
        <dd>{saved.publicUrl} (gatepass server --public-url; every code names it)</dd>
        <dt>Server ID</dt>
        <dd className="mono">{saved.serverId}</dd>
        {saved.updatedAt ? (
          <>
            <dt>Last changed</dt>
            <dd>
              {formatDateTime(saved.updatedAt)}
              {saved.updatedBy ? ` by ${saved.updatedBy}` : ''}
            </dd>
          </>
        ) : null}
      </dl>
      {error ? (
        <p className="dialog-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="settings-buttons">
        <Button type="submit" className="button primary" isDisabled={!changed || saving}>
          Save
        </Button>
        <Button className="button" isDisabled={!changed || saving} onPress={revert}>
          Revert
        </Button>
        <span className="ok-text" role="status">
          {status}
        </span>
      </div>
    </form>
  );
}
