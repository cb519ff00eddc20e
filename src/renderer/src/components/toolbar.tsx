import { useId, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactElement, type Ref } from 'react';
import { Menu, MenuTrigger, Popover, Pressable, Separator, setInteractionModality, Tooltip, TooltipTrigger } from 'react-aria-components';
import { setNextOpener } from '../dialogs/focus-return';
import { UserCogIcon } from './action-icons';
import { ChevronDownIcon, EditIcon, ImportIcon, PlusIcon, QrIcon, RefreshIcon, TrashIcon, UserPlusIcon } from './icons';
import { ACTION_ENTRIES, disabledKeys, MenuEntries } from './user-menu-items';
import { useCommands, type Command, type CommandKey } from './use-commands';

interface ToolProps {
  label: string;
  tip: string;
  shortcut?: string;
  icon: ReactElement;
  cmd: Command;
}

/**
 * A toolbar button with its tooltip: what it does and its shortcut, and, when it does not apply,
 * why. A disabled button stays focusable and hoverable (aria-disabled, not `disabled`, as the
 * WAI-ARIA toolbar pattern advises), so the tooltip can show on hover and keyboard focus, and
 * the reason is its accessible description. React Aria's own disabled buttons get no hover.
 */
function ToolButtonBase({ buttonRef, ...props }: ToolProps & { onPress: () => void; buttonRef?: Ref<HTMLButtonElement>; trailing?: ReactElement }) {
  const reasonId = useId();
  const disabled = !props.cmd.enabled;
  const tip = props.shortcut ? `${props.tip} (${props.shortcut})` : props.tip;
  return (
    <TooltipTrigger delay={600}>
      <Pressable onPress={() => !disabled && props.onPress()}>
        <button
          ref={buttonRef}
          type="button"
          className="tool-button"
          aria-disabled={disabled || undefined}
          aria-describedby={disabled ? reasonId : undefined}
          {...(props.shortcut ? { 'aria-keyshortcuts': props.shortcut.replace('Ctrl', 'Control') } : {})}
        >
          {props.icon}
          <span>{props.label}</span>
          {props.trailing}
        </button>
      </Pressable>
      <Tooltip className="tooltip" offset={6}>
        <span className="tooltip-line">{tip}</span>
        {disabled && props.cmd.reason ? <span className="tooltip-reason">{props.cmd.reason}</span> : null}
      </Tooltip>
      {/* Beside the button, not in it: inside, it would become part of the button's name. */}
      {disabled ? (
        <span id={reasonId} className="visually-hidden">
          {props.cmd.reason}
        </span>
      ) : null}
    </TooltipTrigger>
  );
}

function ToolButton(props: ToolProps) {
  return <ToolButtonBase {...props} onPress={props.cmd.run} />;
}

/** "Actions ▾": disable, enable, revoke QR code, end sessions, set password, remove 2FA, send provisioning email, show provisioning QR, for the selected users. */
function ActionsMenuButton({ commands }: { commands: Record<CommandKey, Command> }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const cmd = commands.disable;
  return (
    <MenuTrigger isOpen={open} onOpenChange={(o) => setOpen(o && cmd.enabled)}>
      <ToolButtonBase
        label="Actions"
        tip="Disable, enable, revoke the QR codes of, end the sessions of, set the password of, or provision the phones of the selected users (in the list: Shift+F10 or the context menu key)"
        icon={<UserCogIcon />}
        cmd={cmd}
        onPress={() => {}}
        buttonRef={button}
        trailing={<ChevronDownIcon />}
      />
      <Popover className="menu-popover" placement="bottom start" offset={2}>
        <Menu
          aria-label="Actions"
          className="menu"
          disabledKeys={disabledKeys(ACTION_ENTRIES, commands)}
          onAction={(key) => {
            const c = commands[key as CommandKey];
            if (!c.enabled) return;
            setNextOpener(button.current);
            c.run();
          }}
        >
          <MenuEntries entries={ACTION_ENTRIES} commands={commands} />
        </Menu>
      </Popover>
    </MenuTrigger>
  );
}

/**
 * Arrow keys, Home and End move between the toolbar's buttons (WAI-ARIA toolbar pattern), and
 * Tab leaves it. Ours rather than React Aria's Toolbar: that one sends focus back to the last
 * button focused before whenever focus re-enters, so a click on Add user focused Add server,
 * and the dialog it opened returned focus there.
 */
function onToolbarKeyDown(e: KeyboardEvent<HTMLDivElement>) {
  const buttons = [...e.currentTarget.querySelectorAll<HTMLElement>('.tool-button')];
  const at = buttons.indexOf(document.activeElement as HTMLElement);
  if (at < 0) return;
  const to = e.key === 'ArrowRight' ? at + 1 : e.key === 'ArrowLeft' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : null;
  if (to === null) return;
  e.preventDefault();
  buttons[Math.max(0, Math.min(buttons.length - 1, to))]?.focus();
}

/**
 * React Aria shows a tooltip on hover only while the last input was a pointer press, so after
 * typing (Esc in the list, say) hovering a greyed-out button would not say why it is greyed
 * out. A mouse moving over the toolbar is pointer input: say so.
 */
function onToolbarPointerMove(e: PointerEvent<HTMLDivElement>) {
  if (e.pointerType === 'mouse') setInteractionModality('pointer');
}

/** The command bar over the table; its buttons' tooltips name their shortcuts, and a disabled one says why. */
export function AppToolbar() {
  const c = useCommands();
  return (
    <div role="toolbar" aria-label="Actions" aria-orientation="horizontal" className="toolbar" onKeyDown={onToolbarKeyDown} onPointerEnter={onToolbarPointerMove} onPointerMoveCapture={onToolbarPointerMove}>
      <ToolButton label="Add server" tip="Connect to another Gatepass server" icon={<PlusIcon />} cmd={c.addServer} />
      <ToolButton label="Refresh" tip="Reload servers and users" shortcut="F5" icon={<RefreshIcon />} cmd={c.refresh} />
      <Separator orientation="vertical" className="toolbar-sep" />
      <ToolButton label="Add user" tip="Create a user on this server" shortcut="Insert" icon={<UserPlusIcon />} cmd={c.addUser} />
      <ToolButton label="Import users" tip="Create users from a CSV file (login, display name, email, source)" icon={<ImportIcon />} cmd={c.importUsers} />
      <ToolButton label="Edit" tip="Edit the selected user" shortcut="Enter" icon={<EditIcon />} cmd={c.edit} />
      <ToolButton label="Delete" tip="Delete the selected users" shortcut="Delete" icon={<TrashIcon />} cmd={c.delete} />
      <ActionsMenuButton commands={c} />
      <Separator orientation="vertical" className="toolbar-sep" />
      <ToolButton
        label="Generate QR Code"
        tip="Set a password and issue sign-in QR codes for the selected users"
        shortcut="Ctrl+G"
        icon={<QrIcon />}
        cmd={c.generate}
      />
    </div>
  );
}
