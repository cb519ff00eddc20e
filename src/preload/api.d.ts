import type { GatepassApi } from '../shared/ipc/create-api';

declare global {
  interface Window {
    /** Exposed by the Electron preload, or built over HTTP by the browser host's transport. */
    gatepass: GatepassApi;
  }
}
export {};
