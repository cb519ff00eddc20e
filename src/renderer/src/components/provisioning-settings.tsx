import type { ChannelOutput } from '../../../shared/ipc/contract';
import { Field } from '../dialogs/field';
import { ValidityField } from '../dialogs/validity-field';
import { formatDateTime } from '../lib/format';
import { validityDraft, validityProblem, validitySeconds, type ValidityDraft } from '../lib/validity';
import { SettingsFormFooter, submitSettings, useSettingsForm } from './use-settings-form';

type Settings = ChannelOutput<'provisioning:settings'>;

interface Draft {
  readonly validity: ValidityDraft;
  /** The administrator's own QR Code URL, or '' for the server's default. */
  readonly qrCodeUrl: string;
}

function toDraft(s: Settings): Draft {
  return { validity: validityDraft(s.codeValiditySeconds), qrCodeUrl: s.qrCodeUrlCustom ?? '' };
}

/** The validity as seconds, or null while it is not a valid one. */
function draftSeconds(d: Draft): number | null {
  return validityProblem(d.validity) === null ? validitySeconds(d.validity) : null;
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
  const form = useSettingsForm<Settings, Draft>({
    part: 'provisioning',
    what: `the mobile provisioning settings of ${serverName}`,
    source: serverId,
    load: () => window.gatepass.provisioning.settings({ serverId }),
    toDraft,
    changed: (d, s) => draftSeconds(d) !== s.codeValiditySeconds || d.qrCodeUrl.trim() !== (s.qrCodeUrlCustom ?? ''),
    submit: (d) => {
      const seconds = draftSeconds(d);
      const problem = validityProblem(d.validity) ?? urlProblem(d.qrCodeUrl);
      if (problem || seconds === null) return problem ?? 'Put right what is marked above, then save.';
      return window.gatepass.provisioning.setSettings({ serverId, codeValiditySeconds: seconds, qrCodeUrl: d.qrCodeUrl.trim() || null });
    },
  });
  const { saved, draft, loadError, saving, edit } = form;

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
      onSubmit={submitSettings(form)}
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
      <SettingsFormFooter form={form} />
    </form>
  );
}
