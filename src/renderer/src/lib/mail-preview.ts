/**
 * A mail's HTML as the console previews it: the server's markup, parsed by the browser into an
 * inert document (DOMParser runs no script and loads nothing), then rebuilt from a short list of
 * harmless elements. Nothing of the mail's own code survives: no script, no style, no event
 * attribute, no frame, no form; links are shown with their address and cannot be followed;
 * pictures are shown only when the message carries them itself (`cid:`), as the PNG it carries,
 * never fetched from anywhere. So the preview needs nothing from the console's CSP (no inline
 * style, no frame) and cannot run anything. Pure over a minimal DOM shape, so it is tested
 * without a browser.
 */

/** What the walk needs of a DOM node (a real one in the console, a hand-made one in tests). */
export interface DomLike {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly nodeValue: string | null;
  readonly childNodes: ArrayLike<DomLike>;
  getAttribute?(name: string): string | null;
}

export type BlockTag = 'p' | 'div' | 'h1' | 'h2' | 'h3' | 'ul' | 'ol' | 'li' | 'blockquote' | 'pre';
export type InlineTag = 'strong' | 'em' | 'code' | 'span';

/** The preview's own tree: only what it knows how to show. */
export type PreviewNode =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'block'; readonly tag: BlockTag; readonly children: readonly PreviewNode[] }
  | { readonly kind: 'inline'; readonly tag: InlineTag; readonly children: readonly PreviewNode[] }
  | { readonly kind: 'br' }
  | { readonly kind: 'link'; readonly href: string; readonly children: readonly PreviewNode[] }
  | { readonly kind: 'image'; readonly alt: string; readonly src: string; readonly width: number | null };

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;
/** Deeper than this, or more nodes than that, is not a message a person wrote: the rest is cut. */
const MAX_DEPTH = 40;
const MAX_NODES = 5000;

/** Elements whose content is never shown (code, metadata, embedded things, forms). */
const DROPPED = new Set([
  'SCRIPT', 'STYLE', 'HEAD', 'TITLE', 'TEMPLATE', 'NOSCRIPT', 'IFRAME', 'FRAME', 'FRAMESET', 'OBJECT', 'EMBED', 'APPLET',
  'SVG', 'MATH', 'FORM', 'INPUT', 'BUTTON', 'SELECT', 'TEXTAREA', 'META', 'LINK', 'BASE', 'AUDIO', 'VIDEO', 'CANVAS',
]);

const BLOCKS: Readonly<Record<string, BlockTag>> = {
  P: 'p', DIV: 'div', SECTION: 'div', ARTICLE: 'div', HEADER: 'div', FOOTER: 'div', MAIN: 'div', CENTER: 'div', BODY: 'div', HTML: 'div',
  TABLE: 'div', TBODY: 'div', THEAD: 'div', TFOOT: 'div', TR: 'div', H1: 'h1', H2: 'h2', H3: 'h3', H4: 'h3', H5: 'h3', H6: 'h3',
  UL: 'ul', OL: 'ol', LI: 'li', BLOCKQUOTE: 'blockquote', PRE: 'pre',
};
const INLINES: Readonly<Record<string, InlineTag>> = {
  B: 'strong', STRONG: 'strong', I: 'em', EM: 'em', CODE: 'code', KBD: 'code', TT: 'code', SAMP: 'code',
  SPAN: 'span', U: 'span', SMALL: 'span', FONT: 'span', TD: 'span', TH: 'span', LABEL: 'span', SUB: 'span', SUP: 'span',
};

/** The preview tree of a parsed document's body (or any node's children). */
export function previewTree(root: DomLike): PreviewNode[] {
  let budget = MAX_NODES;
  const walk = (node: DomLike, depth: number): PreviewNode[] => {
    if (budget-- <= 0 || depth > MAX_DEPTH) return [];
    if (node.nodeType === TEXT_NODE) {
      const text = (node.nodeValue ?? '').replace(/\s+/g, ' ');
      return text ? [{ kind: 'text', text }] : [];
    }
    if (node.nodeType !== ELEMENT_NODE) return [];
    const name = node.nodeName.toUpperCase();
    if (DROPPED.has(name)) return [];
    const children = () => Array.from(node.childNodes).flatMap((c) => walk(c, depth + 1));
    if (name === 'BR') return [{ kind: 'br' }];
    if (name === 'IMG') {
      const width = Number(node.getAttribute?.('width') ?? '');
      return [{ kind: 'image', alt: node.getAttribute?.('alt') ?? '', src: node.getAttribute?.('src') ?? '', width: Number.isFinite(width) && width > 0 ? width : null }];
    }
    if (name === 'A') return [{ kind: 'link', href: node.getAttribute?.('href') ?? '', children: children() }];
    const block = BLOCKS[name];
    if (block) return [{ kind: 'block', tag: block, children: children() }];
    const inline = INLINES[name];
    if (inline) return [{ kind: 'inline', tag: inline, children: children() }];
    // Anything else shows its content without its own element.
    return children();
  };
  return Array.from(root.childNodes).flatMap((c) => walk(c, 0));
}

/** The picture a `cid:` source names among the message's own, if it is one the console may show. */
export function inlineImageFor(src: string, inline: readonly { cid: string; contentType: string; contentBase64: string }[]): string | null {
  if (!/^cid:/i.test(src)) return null;
  const cid = src.slice(4).replace(/^<|>$/g, '');
  const found = inline.find((i) => i.cid === cid);
  if (!found || !/^image\/(png|jpeg|gif)$/.test(found.contentType) || !/^[A-Za-z0-9+/]*={0,2}$/.test(found.contentBase64)) return null;
  return `data:${found.contentType};base64,${found.contentBase64}`;
}
