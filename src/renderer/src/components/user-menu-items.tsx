import { Keyboard, MenuItem, Text } from 'react-aria-components';
import { ACTION_TEXT } from '../lib/user-actions';
import type { Command, CommandKey } from './use-commands';

/** One entry of a user menu: its command, label and shortcut (shown, and given to assistive tech). */
interface Entry {
  readonly key: CommandKey;
  readonly label: string;
  readonly shortcut?: string;
}

/** The Actions menu: what can be done to the selected users besides editing, deleting and issuing codes. */
export const ACTION_ENTRIES: readonly Entry[] = [
  { key: 'disable', label: ACTION_TEXT.disable.menu },
  { key: 'enable', label: ACTION_TEXT.enable.menu },
  { key: 'revokeQr', label: ACTION_TEXT.revokeQr.menu },
  { key: 'endSessions', label: ACTION_TEXT.endSessions.menu },
  { key: 'setPassword', label: 'Set password…' },
  { key: 'removeTwoStep', label: ACTION_TEXT.removeTwoStep.menu },
  { key: 'sendProvisioning', label: 'Send provisioning email…' },
  { key: 'showProvisioningQr', label: 'Show provisioning QR…' },
];

/** The context menu's first part: the toolbar's commands for the selection. */
export const SELECTION_ENTRIES: readonly Entry[] = [
  { key: 'edit', label: 'Edit…', shortcut: 'Enter' },
  { key: 'delete', label: 'Delete…', shortcut: 'Delete' },
  { key: 'generate', label: 'Generate QR Code…', shortcut: 'Ctrl+G' },
];

/** Menu items for entries; a command that does not apply is disabled (Menu's disabledKeys) with its reason as the description. */
export function MenuEntries({ entries, commands }: { entries: readonly Entry[]; commands: Record<CommandKey, Command> }) {
  return entries.map((e) => {
    const c = commands[e.key];
    return (
      <MenuItem key={e.key} id={e.key} className="menu-item" textValue={e.label}>
        <Text slot="label">{e.label}</Text>
        {!c.enabled && c.reason ? (
          <Text slot="description" className="menu-reason">
            {c.reason}
          </Text>
        ) : null}
        {e.shortcut ? <Keyboard className="menu-shortcut">{e.shortcut}</Keyboard> : null}
      </MenuItem>
    );
  });
}

/** Keys of the entries that do not apply now, for Menu's disabledKeys. */
export function disabledKeys(entries: readonly Entry[], commands: Record<CommandKey, Command>): CommandKey[] {
  return entries.filter((e) => !commands[e.key].enabled).map((e) => e.key);
}
