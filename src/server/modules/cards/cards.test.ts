import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { eachBackend, useServer } from '../../test-support/backends';
import { call } from '../../test-support/client';

/** A real PNG of `w` x `h` pixels (a blue square with a transparent border). */
function png(w: number, h: number): string {
  const img = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = Math.floor(i / w);
    const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1;
    img.data.set([31, 58, 95, edge ? 0 : 255], i * 4);
  }
  return PNG.sync.write(img).toString('base64');
}

eachBackend('Card branding', (backend) => {
  const { url, admin } = useServer(backend);

  describe('the logo and line of text on printed cards', () => {
    it('starts with neither, keeps what an administrator sets, and audits it without the picture', async () => {
      const first = await call(url(), 'getCardBranding', {}, admin());
      expect(first.body).toEqual({ text: '', logo: null });
      const logo = png(120, 40);
      const set = await call(url(), 'setCardBranding', { body: { text: '  Help desk: 555-0100  ', logo: { png: logo } } }, admin());
      expect(set.status).toBe(200);
      const got = await call(url(), 'getCardBranding', {}, admin());
      expect(got.body).toEqual({ text: 'Help desk: 555-0100', logo: { png: logo, width: 120, height: 40 } });
      const audit = await call(url(), 'listAudit', { query: { action: 'cards.update' } }, admin());
      expect(audit.ok && audit.body.items[0]?.detail).toBe('logo 120x40 px; text: "Help desk: 555-0100"');
      expect(JSON.stringify(audit.body)).not.toContain(logo.slice(0, 40));
      await call(url(), 'setCardBranding', { body: { text: '', logo: null } }, admin());
      expect((await call(url(), 'getCardBranding', {}, admin())).body).toEqual({ text: '', logo: null });
    });

    it('refuses what is not a small PNG, or text that is not one plain line, with VALIDATION_FAILED', async () => {
      const jpegLike = Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...new Array<number>(40).fill(0)]).toString('base64');
      const cases: [unknown, RegExp][] = [
        [{ logo: { png: jpegLike } }, /must be a PNG/],
        [{ logo: { png: 'not base64!' } }, /must be a PNG/],
        [{ logo: { png: png(1100, 10) } }, /at most 1024 pixels/],
        [{ text: 'x'.repeat(121) }, /at most 120 characters/],
        [{ text: 'two\nlines' }, /one line of plain text/],
        [{ text: 'abc\u202egnp.exe' }, /one line of plain text/],
      ];
      for (const [body, message] of cases) {
        const r = await call(url(), 'setCardBranding', { body }, admin());
        expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(400);
        expect(r.error?.code).toBe('VALIDATION_FAILED');
        expect(r.error?.message).toMatch(message);
      }
      expect((await call(url(), 'getCardBranding', {}, admin())).body).toEqual({ text: '', logo: null });
    });

    it('is for administrators only', async () => {
      expect((await call(url(), 'getCardBranding', {})).error?.code).toBe('AUTH_REQUIRED');
      expect((await call(url(), 'setCardBranding', { body: { text: 'x' } })).error?.code).toBe('AUTH_REQUIRED');
    });
  });
});
