import { useRef, type RefObject } from 'react';
import { Menu, MenuSection, Popover, Separator } from 'react-aria-components';
import { setNextOpener } from '../dialogs/focus-return';
import { ACTION_ENTRIES, disabledKeys, MenuEntries, SELECTION_ENTRIES } from './user-menu-items';
import { useCommands, type CommandKey } from './use-commands';

/** Where the menu opens, in window coordinates: the pointer, or the focused row for the keyboard. */
export interface MenuPoint {
  readonly x: number;
  readonly y: number;
}

/**
 * The user list's context menu (right click, Shift+F10, the ContextMenu key): the selection's
 * commands, Edit, Delete and Generate QR Code, then the per-user actions. A React Aria Menu in
 * a Popover anchored at a point, so arrows, type-ahead, Enter and Esc work as in any menu;
 * the dialog an item opens gives focus back to the grid when it closes.
 */
export function UserContextMenu({ at, grid, onClose }: { at: MenuPoint | null; grid: RefObject<HTMLElement | null>; onClose: () => void }) {
  const commands = useCommands();
  const anchor = useRef<HTMLDivElement>(null);
  const entries = [...SELECTION_ENTRIES, ...ACTION_ENTRIES];

  function run(key: CommandKey) {
    const c = commands[key];
    onClose();
    if (!c.enabled) return;
    setNextOpener(grid.current);
    c.run();
  }

  return (
    <>
      <div ref={anchor} className="menu-anchor" style={at ? { left: at.x, top: at.y } : undefined} aria-hidden="true" />
      <Popover
        triggerRef={anchor}
        isOpen={at !== null}
        onOpenChange={(open) => !open && onClose()}
        placement="bottom start"
        offset={2}
        className="menu-popover"
      >
        <Menu
          aria-label="Selected users"
          className="menu"
          autoFocus="first"
          disabledKeys={disabledKeys(entries, commands)}
          onAction={(key) => run(key as CommandKey)}
        >
          <MenuSection aria-label="Selection">
            <MenuEntries entries={SELECTION_ENTRIES} commands={commands} />
          </MenuSection>
          <Separator className="menu-separator" />
          <MenuSection aria-label="Actions">
            <MenuEntries entries={ACTION_ENTRIES} commands={commands} />
          </MenuSection>
        </Menu>
      </Popover>
    </>
  );
}
