import type { ReactElement } from 'react';
import { Button, Separator, Toolbar, Tooltip, TooltipTrigger } from 'react-aria-components';
import { EditIcon, ImportIcon, PlusIcon, QrIcon, RefreshIcon, TrashIcon, UserPlusIcon } from './icons';
import { useCommands, type Command } from './use-commands';

function ToolButton(props: { label: string; tip: string; shortcut?: string; icon: ReactElement; cmd: Command }) {
  const tip = props.shortcut ? `${props.tip} (${props.shortcut})` : props.tip;
  return (
    <TooltipTrigger delay={600}>
      <Button className="tool-button" isDisabled={!props.cmd.enabled} onPress={props.cmd.run} {...(props.shortcut ? { 'aria-keyshortcuts': props.shortcut.replace('Ctrl', 'Control') } : {})}>
        {props.icon}
        <span>{props.label}</span>
      </Button>
      <Tooltip className="tooltip" offset={6}>
        {tip}
      </Tooltip>
    </TooltipTrigger>
  );
}

/** The command bar over the table; every button also has a keyboard shortcut. */
export function AppToolbar() {
  const c = useCommands();
  return (
    <Toolbar className="toolbar" aria-label="Actions">
      <ToolButton label="Add server" tip="Connect to another Gatepass server" icon={<PlusIcon />} cmd={c.addServer} />
      <ToolButton label="Refresh" tip="Reload servers and users" shortcut="F5" icon={<RefreshIcon />} cmd={c.refresh} />
      <Separator orientation="vertical" className="toolbar-sep" />
      <ToolButton label="Add user" tip="Create a user on this server" icon={<UserPlusIcon />} cmd={c.addUser} />
      <ToolButton label="Import users" tip="Create users from a CSV file (login, display name, email)" icon={<ImportIcon />} cmd={c.importUsers} />
      <ToolButton label="Edit" tip="Edit the selected user" shortcut="Enter" icon={<EditIcon />} cmd={c.edit} />
      <ToolButton label="Delete" tip="Delete the selected users" shortcut="Delete" icon={<TrashIcon />} cmd={c.delete} />
      <Separator orientation="vertical" className="toolbar-sep" />
      <ToolButton
        label="Generate QR Code"
        tip="Set a password and issue sign-in QR codes for the selected users"
        shortcut="Ctrl+G"
        icon={<QrIcon />}
        cmd={c.generate}
      />
    </Toolbar>
  );
}
