import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteResponse } from '../../shared/api/routes';
import { zbarRead } from '../../test-support/zbar';
import { call, okBody } from './client';

/** One user's issued provisioning code, as the admin route answers it. */
export type IssuedCode = Extract<RouteResponse<'issueProvisioningCodes'>['results'][number], { ok: true }>;

/** Issues a code for one user through the admin route and expects it to be issued. */
export async function issueCode(url: string, adminToken: string, userId: string, validitySeconds?: number): Promise<IssuedCode> {
  const res = okBody(await call(url, 'issueProvisioningCodes', { body: { userIds: [userId], ...(validitySeconds ? { validitySeconds } : {}) } }, adminToken));
  const first = res.results[0];
  if (!first?.ok) throw new Error(`issue failed: ${first ? `${first.code} ${first.message}` : 'no result'}`);
  return first;
}

/** What GET /userportal/getQRCode answered. */
export interface QrImageAnswer {
  status: number;
  contentType: string;
  cacheControl: string | null;
  body: Buffer;
}

/** Fetches the QR image route with the given query, as a mail client or browser would. */
export async function fetchQrImage(url: string, query: Record<string, string>): Promise<QrImageAnswer> {
  const res = await fetch(`${url}/userportal/getQRCode?${new URLSearchParams(query).toString()}`);
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', cacheControl: res.headers.get('cache-control'), body: Buffer.from(await res.arrayBuffer()) };
}

/**
 * zbarimg's reading of an SVG document as a browser draws it: headless Chromium renders the
 * file to a PNG screenshot (zbarimg cannot read SVG itself), then zbarimg reads that.
 */
export function zbarReadSvg(svg: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'gp-svg-'));
  try {
    const file = join(dir, 'code.svg');
    const shot = join(dir, 'code.png');
    writeFileSync(file, svg);
    const side = Number(/width="(\d+)"/.exec(svg)?.[1] ?? 400) + 40;
    execFileSync(
      process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${join(dir, 'profile')}`, `--screenshot=${shot}`, `--window-size=${side},${side}`, `file://${file}`],
      { stdio: 'ignore', timeout: 60_000 },
    );
    return zbarRead(shot);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
