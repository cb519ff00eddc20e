import { useState, type ReactNode } from 'react';
import { Button, Checkbox, Label, Radio, RadioGroup } from 'react-aria-components';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../store/store';
import type { SaveOptions } from '../store/types';
import { DialogButtons, ModalFrame } from './modal-frame';
import { SaveStatus } from './save-status';

function Choice({ value, children, autoFocus }: { value: string; children: ReactNode; autoFocus?: boolean }) {
  return (
    <Radio className="radio" value={value} autoFocus={autoFocus ?? false}>
      <span className="radio-dot" aria-hidden="true" />
      {children}
    </Radio>
  );
}

/** Where the .usr files end up, said in the dialog so nobody has to guess (contract: export:save). */
function configNote(o: SaveOptions): string {
  if (!o.includeConfig) return 'No configuration files: devices sign in by scanning the printed code.';
  return o.format === 'pdf'
    ? 'One ZIP: the PDF with every card, plus a config folder with a <login>.usr per user.'
    : 'One ZIP: <login>.pdf and <login>.usr side by side for each user.';
}

/** What happens to the broken codes with these options. */
export function brokenNote(broken: number, o: SaveOptions): string {
  const inZip = o.format === 'zip' || o.includeConfig;
  const they = broken === 1 ? 'The broken code is' : `The ${broken.toLocaleString('en-US')} broken codes are`;
  if (o.omitBroken) return `${they} not printed${inZip ? '; README.txt in the ZIP lists those users and why.' : '.'}`;
  return `${they} printed marked "not issued", with the reason for the administrator${inZip ? '; they get no .usr file, and README.txt in the ZIP lists them.' : '.'}`;
}

/**
 * Save QR codes: one PDF or a ZIP of per-user PDFs, optional device configuration files,
 * page size and layout; then a progress bar with Cancel, and where the file went. It can save
 * again, in another form, as often as wanted: the job stays until its popup is closed.
 */
export function SaveDialog({ jobId }: { jobId: string }) {
  const { save, initial, job } = useAppStore(useShallow((s) => ({ save: s.saves[jobId], initial: s.saveOptions, job: s.jobs[jobId] })));
  const [opts, setOpts] = useState<SaveOptions>(initial);
  const saving = save?.state === 'saving';
  const broken = job ? job.codes.filter((c) => c.status !== 'ok' || !c.qr).length : 0;
  const set = (patch: Partial<SaveOptions>) => setOpts((o) => ({ ...o, ...patch }));
  const back = () => useAppStore.getState().openDialog({ kind: 'generated', jobId });

  return (
    <ModalFrame title="Save QR codes" onSubmit={() => void useAppStore.getState().saveJob(jobId, opts)} busy={saving} onClose={back} className="save">
      <RadioGroup className="option-group" value={opts.format} onChange={(v) => set({ format: v === 'zip' ? 'zip' : 'pdf' })} isDisabled={saving}>
        <Label className="group-label">Files</Label>
        <Choice value="pdf">
          All QR codes in one file
        </Choice>
        <Choice value="zip">Each QR code as a separate file</Choice>
      </RadioGroup>
      <Checkbox className="checkbox" isSelected={opts.includeConfig} onChange={(v) => set({ includeConfig: v })} isDisabled={saving}>
        <span className="checkbox-box" aria-hidden="true" />
        Include configuration files with connection parameters
      </Checkbox>
      <p className="note indent">{configNote(opts)}</p>
      {broken > 0 ? (
        <>
          <Checkbox className="checkbox" isSelected={opts.omitBroken} onChange={(v) => set({ omitBroken: v })} isDisabled={saving}>
            <span className="checkbox-box" aria-hidden="true" />
            Leave the {broken === 1 ? 'broken code' : `${broken.toLocaleString('en-US')} broken codes`} out (for printing to users)
          </Checkbox>
          <p className="note indent">{brokenNote(broken, opts)}</p>
        </>
      ) : null}
      <div className="two-col">
        <RadioGroup className="option-group" value={opts.pageSize} onChange={(v) => set({ pageSize: v === 'Letter' ? 'Letter' : 'A4' })} isDisabled={saving}>
          <Label className="group-label">Page size</Label>
          <Choice value="A4">A4</Choice>
          <Choice value="Letter">Letter</Choice>
        </RadioGroup>
        <RadioGroup className="option-group" value={opts.layout} onChange={(v) => set({ layout: v === 'badges' ? 'badges' : 'single' })} isDisabled={saving}>
          <Label className="group-label">Layout</Label>
          <Choice value="single">One card per page</Choice>
          <Choice value="badges">Badges (several per page)</Choice>
        </RadioGroup>
      </div>
      <SaveStatus jobId={jobId} save={save} />
      <DialogButtons>
        <Button className="button" onPress={back} isDisabled={saving}>
          Close
        </Button>
        <Button className="button primary" type="submit" isDisabled={saving || !job} data-autofocus>
          {saving ? 'Saving…' : 'Save'}
        </Button>
      </DialogButtons>
    </ModalFrame>
  );
}
