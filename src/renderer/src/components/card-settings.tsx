import { Button, FileTrigger, Input, Label, TextField } from 'react-aria-components';
import { CARD_TEXT_MAX, LOGO_MAX_BYTES, type CardBranding } from '../../../shared/api/cards';
import { errorMessage } from '../lib/format';
import { SettingsFormFooter, submitSettings, useSettingsForm } from './use-settings-form';

/** The logo is scaled down to fit this many pixels: about 270 dpi in the card's 160 x 36 pt corner. */
const LOGO_BOX = { width: 600, height: 200 };

interface Draft {
  readonly text: string;
  /** Base64 PNG, or null for no logo. */
  readonly png: string | null;
}

function toDraft(b: CardBranding): Draft {
  return { text: b.text, png: b.logo?.png ?? null };
}

/** Reads a picture file as a data: URL (the console's CSP allows data: images, not blob:). */
function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new Error(`${file.name} could not be read`));
    reader.readAsDataURL(file);
  });
}

/**
 * Any picture the browser can show (PNG, JPEG, GIF, WebP, SVG) as a PNG scaled to fit
 * LOGO_BOX with its aspect ratio kept and its transparency intact: what the server stores
 * and the PDF engine embeds.
 */
export async function logoPngFrom(file: File): Promise<string> {
  if (file.size > 10 * 1024 * 1024) throw new Error(`${file.name} is larger than 10 MB: choose a small logo`);
  const url = await readAsDataUrl(file);
  const img = new Image();
  img.src = url;
  try {
    await img.decode();
  } catch {
    throw new Error(`${file.name} is not a picture the console can read (use PNG, JPEG, GIF, WebP or SVG)`);
  }
  const w0 = img.naturalWidth || LOGO_BOX.width;
  const h0 = img.naturalHeight || LOGO_BOX.height;
  const scale = Math.min(1, LOGO_BOX.width / w0, LOGO_BOX.height / h0);
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(w0 * scale));
  canvas.height = Math.max(1, Math.round(h0 * scale));
  const g = canvas.getContext('2d');
  if (!g) throw new Error('This window cannot draw pictures');
  g.drawImage(img, 0, 0, canvas.width, canvas.height);
  const png = canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  if ((png.length * 3) / 4 > LOGO_MAX_BYTES) throw new Error(`${file.name} is still larger than 256 KB as a logo: use a simpler picture`);
  return png;
}

/**
 * Settings of one server: the logo and the line of text its sign-in cards carry. The server
 * keeps them, so every console and the CLI print the same cards; they apply to codes issued
 * from now on (a job keeps the branding it was issued with).
 */
export function CardSettings({ serverId, serverName }: { serverId: string; serverName: string }) {
  // Leaving Settings with unsaved card edits asks first, as for the password policy.
  const form = useSettingsForm<CardBranding, Draft>({
    part: 'cards',
    what: `the sign-in cards of ${serverName}`,
    source: serverId,
    load: () => window.gatepass.cards.getBranding({ serverId }),
    toDraft,
    changed: (d, b) => b.text !== d.text.trim() || (b.logo?.png ?? null) !== d.png,
    submit: (d) => window.gatepass.cards.setBranding({ serverId, branding: { text: d.text, logo: d.png ? { png: d.png } : null } }),
    savedText: 'Saved. Codes issued from now on carry them.',
  });
  const { draft, loadError, saving, edit } = form;

  async function chooseLogo(files: FileList | null) {
    const file = files?.[0];
    if (!file) return;
    try {
      edit({ png: await logoPngFrom(file) });
    } catch (err) {
      form.setError(errorMessage(err));
    }
  }

  if (loadError) return <p className="grid-message error-text" role="alert">Card settings: {loadError}</p>;
  if (!draft) return null;
  return (
    <form
      className="settings-section"
      aria-label="Sign-in cards"
      onSubmit={submitSettings(form)}
    >
      <h2 className="settings-heading">Sign-in cards</h2>
      <TextField className="field" value={draft.text} onChange={(v) => edit({ text: v })} maxLength={CARD_TEXT_MAX} isDisabled={saving}>
        <Label>Line of text on every card</Label>
        <Input placeholder="For example: Questions? Help desk 555-0100" />
      </TextField>
      <div className="logo-row">
        <span className="group-label">Logo</span>
        {draft.png ? <img className="logo-preview" src={`data:image/png;base64,${draft.png}`} alt="The card logo" /> : <span className="muted">No logo</span>}
        <FileTrigger acceptedFileTypes={['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/svg+xml']} onSelect={(f) => void chooseLogo(f)}>
          <Button className="button" isDisabled={saving}>
            {draft.png ? 'Change logo…' : 'Choose logo…'}
          </Button>
        </FileTrigger>
        {draft.png ? (
          <Button className="button" onPress={() => edit({ png: null })} isDisabled={saving}>
            Remove logo
          </Button>
        ) : null}
      </div>
      <p className="note">The logo prints at the top right of each card, the line under the instructions. Both apply to codes issued from now on.</p>
      <SettingsFormFooter form={form} />
    </form>
  );
}
