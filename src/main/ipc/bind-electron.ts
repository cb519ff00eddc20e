import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { contract, type Channel } from '../../shared/ipc/contract';
import type { Envelope } from '../../shared/ipc/envelope';
import type { Dispatch } from './dispatch';

/** The channel every main -> renderer event travels on: `(name, payload)`. */
export const EVENT_CHANNEL = 'gatepass:event';

/**
 * Binds every contract channel to ipcMain.handle. Each call first checks its sender: only
 * the main frame of a page we loaded ourselves (our file:// renderer or the dev server URL)
 * may call; sub-frames and anything navigated elsewhere get FORBIDDEN_SENDER.
 * Returns a function that removes the handlers.
 */
export function bindElectronIpc(ipcMain: IpcMain, dispatch: Dispatch, isTrustedUrl: (url: string) => boolean): () => void {
  const channels = Object.keys(contract) as Channel[];
  for (const channel of channels) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, input: unknown): Promise<Envelope<unknown>> => {
      if (!isTrustedSender(event, isTrustedUrl)) {
        return { ok: false, error: { code: 'FORBIDDEN_SENDER', message: 'This window may not call the console' } };
      }
      return dispatch(channel, input);
    });
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}

function isTrustedSender(event: IpcMainInvokeEvent, isTrustedUrl: (url: string) => boolean): boolean {
  const frame = event.senderFrame;
  // A destroyed or navigated-away frame is null; a sub-frame has a parent: both are refused.
  if (!frame || frame.parent !== null) return false;
  return isTrustedUrl(frame.url);
}

/** Pushes an event to one window's renderer. */
export function sendEvent(contents: WebContents, name: string, payload: unknown): void {
  if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, name, payload);
}

/**
 * True for our own renderer: the bundled index.html under `rendererFileUrlPrefix`
 * (file://.../out/renderer/) or, in development, the dev server's origin.
 */
export function makeTrustedUrlCheck(rendererFileUrlPrefix: string, devServerUrl?: string): (url: string) => boolean {
  const devOrigin = devServerUrl ? new URL(devServerUrl).origin : null;
  return (url: string) => {
    if (!url) return false;
    if (url.startsWith(rendererFileUrlPrefix)) return true;
    if (devOrigin) {
      try {
        return new URL(url).origin === devOrigin;
      } catch {
        return false;
      }
    }
    return false;
  };
}
