import { describe, expect, it } from 'vitest';
import { inlineImageFor, previewTree, type DomLike } from './mail-preview';

/** A hand-made DOM: elements with attributes and children, text nodes. */
function el(name: string, attrs: Record<string, string> = {}, ...children: DomLike[]): DomLike {
  return { nodeType: 1, nodeName: name, nodeValue: null, childNodes: children, getAttribute: (n) => attrs[n] ?? null };
}
function text(t: string): DomLike {
  return { nodeType: 3, nodeName: '#text', nodeValue: t, childNodes: [] };
}
const comment: DomLike = { nodeType: 8, nodeName: '#comment', nodeValue: '<script>x</script>', childNodes: [] };

describe('the mail preview', () => {
  it('keeps paragraphs, emphasis, links (as text with their address) and pictures by reference', () => {
    const body = el(
      'BODY',
      { style: 'font-family: Arial' },
      el('P', {}, text('Hello  Anna\n'), el('B', {}, text('Berg'))),
      el('P', {}, el('IMG', { src: 'cid:provisioning-qr@gatepass', alt: 'QR', width: '260', onerror: 'alert(1)' })),
      el('P', {}, el('A', { href: 'gatepass://provision?p=x', onclick: 'steal()' }, text('Set up'))),
    );
    expect(previewTree(el('HTML', {}, body))).toEqual([
      {
        kind: 'block',
        tag: 'div',
        children: [
          { kind: 'block', tag: 'p', children: [{ kind: 'text', text: 'Hello Anna ' }, { kind: 'inline', tag: 'strong', children: [{ kind: 'text', text: 'Berg' }] }] },
          { kind: 'block', tag: 'p', children: [{ kind: 'image', alt: 'QR', src: 'cid:provisioning-qr@gatepass', width: 260 }] },
          { kind: 'block', tag: 'p', children: [{ kind: 'link', href: 'gatepass://provision?p=x', children: [{ kind: 'text', text: 'Set up' }] }] },
        ],
      },
    ]);
  });

  it('drops script, style, frames, forms and comments with everything in them; unknown elements show only their text', () => {
    const tree = previewTree(
      el(
        'BODY',
        {},
        el('SCRIPT', {}, text('alert(1)')),
        el('STYLE', {}, text('body { display: none }')),
        el('IFRAME', { src: 'https://evil.example' }, text('frame')),
        el('FORM', { action: 'https://evil.example' }, el('INPUT', { value: 'x' })),
        comment,
        el('MARQUEE', { onmouseover: 'x()' }, text('plain words')),
        el('SVG', {}, el('SCRIPT', {}, text('alert(2)'))),
      ),
    );
    expect(tree).toEqual([{ kind: 'text', text: 'plain words' }]);
    expect(JSON.stringify(tree)).not.toMatch(/alert|evil|display|onmouseover/);
  });

  it('cuts a document nested beyond reason instead of walking it all', () => {
    let deep = text('bottom');
    for (let i = 0; i < 500; i++) deep = el('DIV', {}, deep);
    expect(JSON.stringify(previewTree(el('BODY', {}, deep)))).not.toContain('bottom');
  });

  it('shows a cid: picture only as the image the message carries, never from elsewhere', () => {
    const inline = [{ cid: 'provisioning-qr@gatepass', contentType: 'image/png', contentBase64: 'iVBORw0KGgo=' }];
    expect(inlineImageFor('cid:provisioning-qr@gatepass', inline)).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(inlineImageFor('https://tracker.example/pixel.png', inline)).toBeNull();
    expect(inlineImageFor('cid:other@gatepass', inline)).toBeNull();
    expect(inlineImageFor('cid:x', [{ cid: 'x', contentType: 'image/svg+xml', contentBase64: 'PHN2Zz4=' }])).toBeNull();
    expect(inlineImageFor('cid:x', [{ cid: 'x', contentType: 'image/png', contentBase64: '"><script>' }])).toBeNull();
  });
});
