import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { GatepassError } from '../shared/errors';

/** The most an image file may weigh: a photographed or saved QR code is far smaller. */
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;

let prepared: Promise<unknown> | null = null;

/**
 * Loads zxing-cpp's WebAssembly reader from the installed package (never from a CDN: the CLI
 * runs offline), resolved from this file, so the bundle in out/main finds it in node_modules.
 */
function prepare(): Promise<unknown> {
  prepared ??= (async () => {
    const wasmPath = createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm');
    const wasm = await readFile(wasmPath);
    return prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) }, fireImmediately: true });
  })();
  return prepared;
}

/**
 * The text of the QR code in an image file (PNG, JPEG, GIF, BMP), read by zxing-cpp (through
 * zxing-wasm) as a phone's scanner would. VALIDATION_FAILED when the file cannot be read,
 * PAYLOAD_INVALID when it holds no readable QR code or more than one.
 */
export async function readQrImage(file: string): Promise<string> {
  const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    throw new GatepassError('VALIDATION_FAILED', `Cannot read ${file}: ${err.code ?? 'error'}`);
  });
  if (bytes.length > MAX_IMAGE_BYTES) throw new GatepassError('VALIDATION_FAILED', `${file} is larger than 20 MB: not a QR code picture`);
  await prepare();
  const results = (await readBarcodes(new Uint8Array(bytes), { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 2 })).filter((r) => r.isValid);
  if (results.length === 0) throw new GatepassError('PAYLOAD_INVALID', `No QR code found in ${file} (or not an image)`);
  if (results.length > 1) throw new GatepassError('PAYLOAD_INVALID', `${file} holds more than one QR code: crop it to the provisioning code`);
  return results[0]!.text;
}
