import { useEffect, useLayoutEffect, useRef, type FormEvent, type ReactNode } from 'react';
import { Button, Dialog, Heading, Modal, ModalOverlay } from 'react-aria-components';
import { useAppStore } from '../store/store';

/**
 * Every dialog's frame: React Aria's modal traps focus, hides the rest of the window from
 * assistive tech, and closes on Esc; the form makes Enter submit. Each step starts with focus
 * on its `data-autofocus` element (its primary button, so Enter does the step's main thing)
 * or, in a form, on the field marked autoFocus.
 */
export function ModalFrame(props: {
  title: string;
  children: ReactNode;
  onSubmit?: () => void;
  /** Blocks Esc and outside clicks while a call is running. */
  busy?: boolean;
  className?: string;
  role?: 'dialog' | 'alertdialog';
  /** What Esc does; by default it closes the dialog (a dialog opened from another returns there instead). */
  onClose?: () => void;
  /** What Esc does while busy, when the running call can be stopped (issuing: Cancel); without it Esc does nothing then. */
  onBusyEscape?: () => void;
  /**
   * The step shown, for dialogs that change content in place (form, confirmation, result): a new
   * step puts focus on its `data-autofocus` element, or its first field, or its primary button.
   */
  step?: string;
}) {
  const dialogRef = useRef<HTMLElement>(null);
  const wasBusy = useRef(false);
  const shownStep = useRef<string | undefined>(undefined);
  // A layout effect, so focus is in place before React Aria's containment looks (next frame)
  // and finds the removed element of the last step, which would send it to the first button.
  useLayoutEffect(() => {
    const el = dialogRef.current;
    const step = props.step ?? '';
    const changed = shownStep.current !== undefined && shownStep.current !== step;
    shownStep.current = step;
    if (!el) return;
    const marked = el.querySelector<HTMLElement>('[data-autofocus]:not(:disabled)');
    const target =
      marked ??
      (changed
        ? el.querySelector<HTMLElement>('input:not([type="hidden"]):not(:disabled), textarea:not(:disabled)') ??
          el.querySelector<HTMLElement>('.dialog-buttons .primary:not(:disabled), .dialog-buttons .danger:not(:disabled)')
        : null);
    if (target && target !== document.activeElement) target.focus({ preventScroll: true });
  }, [props.step]);
  // While a call runs its buttons are disabled, and a disabled button that had focus drops it
  // to <body>, where Esc and Tab no longer reach the dialog. Bring focus back to the first
  // field when the call ends, so the administrator can correct it or press Esc.
  useEffect(() => {
    if (wasBusy.current && !props.busy) {
      const el = dialogRef.current;
      if (el && !el.contains(document.activeElement)) {
        const first = el.querySelector<HTMLElement>('input:not([disabled]), textarea:not([disabled]), select:not([disabled]), button:not([disabled])');
        (first ?? el).focus();
      }
    }
    wasBusy.current = !!props.busy;
  }, [props.busy]);
  const close = () => {
    if (props.busy) {
      props.onBusyEscape?.();
      return;
    }
    if (props.onClose) props.onClose();
    else useAppStore.getState().closeDialog();
  };
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!props.busy) props.onSubmit?.();
  }
  return (
    <ModalOverlay isOpen isDismissable={false} isKeyboardDismissDisabled={!!props.busy && !props.onBusyEscape} onOpenChange={(open) => !open && close()} className="modal-overlay">
      <Modal className={`modal ${props.className ?? ''}`}>
        <Dialog ref={dialogRef} className="dialog" role={props.role ?? 'dialog'}>
          <Heading slot="title" className="dialog-title">
            {props.title}
          </Heading>
          {props.onSubmit ? (
            <form onSubmit={submit} noValidate className="dialog-body">
              {props.children}
            </form>
          ) : (
            <div className="dialog-body">{props.children}</div>
          )}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

/** The row of buttons at the bottom of a dialog. */
export function DialogButtons({ children }: { children: ReactNode }) {
  return <div className="dialog-buttons">{children}</div>;
}

/** A dialog's Cancel: closes it, except while its work is under way. */
export function CancelButton({ busy }: { busy: boolean }) {
  return (
    <Button className="button" onPress={() => useAppStore.getState().closeDialog()} isDisabled={busy}>
      Cancel
    </Button>
  );
}

/** An error from the last attempt, announced to screen readers. */
export function DialogError({ message }: { message: string | null }) {
  return message ? (
    <p className="dialog-error" role="alert">
      {message}
    </p>
  ) : null;
}
