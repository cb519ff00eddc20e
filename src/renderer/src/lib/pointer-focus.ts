import { useRef } from 'react';

/**
 * Tells a grid's focus handler whether the focus came from a pointer press (a click on a row)
 * or from the keyboard (Tab). A grid moves to its first row when Tab enters it, so the arrows
 * have a place to start; on a click that would select the first row and then the clicked one,
 * and the first row's details would be loaded for nothing.
 */
export function usePointerFocus(): {
  /** Spread onto the grid element. */
  handlers: { onPointerDownCapture: () => void; onPointerUpCapture: () => void; onPointerCancelCapture: () => void };
  /** True while a pointer press is under way: the focus event it causes is not a Tab. */
  pressing: () => boolean;
} {
  const pressed = useRef(false);
  const release = () => {
    pressed.current = false;
  };
  return {
    handlers: {
      onPointerDownCapture: () => {
        pressed.current = true;
      },
      onPointerUpCapture: release,
      onPointerCancelCapture: release,
    },
    pressing: () => pressed.current,
  };
}
