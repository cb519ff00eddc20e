/** Path to the Electron executable, or null with the reason it is missing. */
export function findElectronBinary(): { path: string | null; reason: string | null };
