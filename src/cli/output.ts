import { qrMatrix } from '../shared/qr/matrix';

/**
 * The --json contract: each command prints one JSON object as the last line of stdout (a
 * success carries `"ok": true`; a refusal `"ok": false` with the server's stable `code` and
 * its `message`), and exits 0 on success, 1 when refused, 2 on bad input.
 */
export function printJson(value: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** True when the command line asks for JSON (also for errors raised before the action ran). */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

/**
 * A QR code drawn with half blocks in forced black on white (ANSI 256 colours), two modules
 * per character cell, so a phone scans it from a terminal of any theme. Only for a terminal:
 * piped output gets the URI as text alone.
 */
export function terminalQr(text: string): string {
  const m = qrMatrix(text, 'L');
  const q = 2;
  const side = m.size + 2 * q;
  const dark = (x: number, y: number) => x >= q && y >= q && x < m.size + q && y < m.size + q && m.modules[(y - q) * m.size + (x - q)] === 1;
  const lines: string[] = [];
  for (let y = 0; y < side; y += 2) {
    let line = '';
    for (let x = 0; x < side; x++) {
      const fg = dark(x, y) ? 16 : 231;
      const bg = dark(x, y + 1) && y + 1 < side ? 16 : 231;
      line += `\u001b[38;5;${fg}m\u001b[48;5;${bg}m\u2580`;
    }
    lines.push(`${line}\u001b[0m`);
  }
  return lines.join('\n');
}
