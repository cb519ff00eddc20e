import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { describe, expect, it } from 'vitest';
import { contract } from '../../shared/ipc/contract';
import { bindElectronIpc, makeTrustedUrlCheck } from './bind-electron';

// Electron cannot run in this container, so ipcMain is stood in for by the two methods the
// binding uses; the sender check is what is under test, and it is plain logic.
type Handler = (event: IpcMainInvokeEvent, input: unknown) => Promise<unknown>;
function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipc = {
    handle: (ch: string, fn: Handler) => void handlers.set(ch, fn),
    removeHandler: (ch: string) => void handlers.delete(ch),
  } as unknown as IpcMain;
  return { ipc, handlers };
}
const event = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } }) as unknown as IpcMainInvokeEvent;

const rendererPrefix = 'file:///opt/Gatepass/resources/app.asar/out/renderer/';
const trusted = makeTrustedUrlCheck(rendererPrefix);

describe('the Electron IPC binding', () => {
  it('handles every contract channel and removes them all again', () => {
    const { ipc, handlers } = fakeIpcMain();
    const unbind = bindElectronIpc(ipc, async () => ({ ok: true, data: null }), trusted);
    expect([...handlers.keys()].sort()).toEqual(Object.keys(contract).sort());
    unbind();
    expect(handlers.size).toBe(0);
  });

  it('dispatches calls from the main frame of our own renderer', async () => {
    const { ipc, handlers } = fakeIpcMain();
    bindElectronIpc(ipc, async (ch) => ({ ok: true, data: ch }), trusted);
    expect(await handlers.get('servers:list')!(event(`${rendererPrefix}index.html`), {})).toEqual({ ok: true, data: 'servers:list' });
  });

  it('refuses sub-frames, other pages and destroyed frames with FORBIDDEN_SENDER', async () => {
    const { ipc, handlers } = fakeIpcMain();
    let called = 0;
    bindElectronIpc(ipc, async () => ((called++, { ok: true, data: null })), trusted);
    const h = handlers.get('servers:list')!;
    const refused = { ok: false, error: { code: 'FORBIDDEN_SENDER', message: expect.any(String) } };
    expect(await h(event(`${rendererPrefix}index.html`, { url: 'x' }), {})).toEqual(refused);
    expect(await h(event('https://evil.example/'), {})).toEqual(refused);
    expect(await h(event('file:///tmp/evil.html'), {})).toEqual(refused);
    expect(await h({ senderFrame: null } as unknown as IpcMainInvokeEvent, {})).toEqual(refused);
    expect(called).toBe(0);
  });

  it('trusts the dev server origin only when one is configured', () => {
    expect(makeTrustedUrlCheck(rendererPrefix, 'http://localhost:5173')('http://localhost:5173/index.html')).toBe(true);
    expect(makeTrustedUrlCheck(rendererPrefix, 'http://localhost:5173')('http://localhost:5174/')).toBe(false);
    expect(trusted('http://localhost:5173/')).toBe(false);
  });
});
