import { Fragment, useMemo, useState, type ReactNode } from 'react';
import type { ChannelOutput } from '../../../shared/ipc/contract';
import { inlineImageFor, previewTree, type PreviewNode } from '../lib/mail-preview';

type Preview = ChannelOutput<'provisioning:previewMail'>;

/** One node of the preview tree as React elements: nothing of the mail's own markup gets through. */
function renderNode(node: PreviewNode, key: number, inline: Preview['inline']): ReactNode {
  const kids = (children: readonly PreviewNode[]) => children.map((c, i) => renderNode(c, i, inline));
  switch (node.kind) {
    case 'text':
      return <Fragment key={key}>{node.text}</Fragment>;
    case 'br':
      return <br key={key} />;
    case 'block': {
      const Tag = node.tag;
      return <Tag key={key}>{kids(node.children)}</Tag>;
    }
    case 'inline': {
      const Tag = node.tag;
      return <Tag key={key}>{kids(node.children)}</Tag>;
    }
    case 'link':
      // Shown, not followed: the address is part of what the reader sees.
      return (
        <span key={key} className="preview-link" title={node.href}>
          {kids(node.children)}
          <span className="muted"> ({node.href})</span>
        </span>
      );
    case 'image': {
      const src = inlineImageFor(node.src, inline);
      if (src) return <img key={key} src={src} alt={node.alt || 'Picture carried in the message'} width={Math.min(node.width ?? 260, 260)} />;
      return (
        <span key={key} className="preview-missing">
          [picture {node.alt ? `“${node.alt}” ` : ''}not loaded: {node.src || 'no address'}]
        </span>
      );
    }
  }
}

/** The HTML part parsed into an inert document (DOMParser runs and loads nothing), then rebuilt. */
function SafeHtml({ html, inline }: { html: string; inline: Preview['inline'] }) {
  const tree = useMemo(() => {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    return previewTree(doc.body);
  }, [html]);
  return <>{tree.map((n, i) => renderNode(n, i, inline))}</>;
}

/**
 * The message the server would send one user, as it renders it: From, To, Subject, then the
 * HTML part rebuilt from harmless elements (no script, no style, no frame; links shown with
 * their address, not followed; the QR the message carries shown as the picture it is) or the
 * plain-text part as it is. It carries a sample code, never a real one.
 */
export function MailPreview({ preview }: { preview: Preview }) {
  const [view, setView] = useState<'html' | 'text'>('html');
  return (
    <section className="mail-preview" aria-label="Message preview">
      <dl className="mail-preview-head">
        <dt>From</dt>
        <dd>{preview.from}</dd>
        <dt>To</dt>
        <dd>{preview.to ? `${preview.toName} <${preview.to}>` : `${preview.toName} (no e-mail address)`}</dd>
        <dt>Subject</dt>
        <dd>{preview.subject}</dd>
      </dl>
      <div className="mail-preview-tabs" role="radiogroup" aria-label="Show the message as">
        <button type="button" role="radio" aria-checked={view === 'html'} className={`button small${view === 'html' ? ' primary' : ''}`} onClick={() => setView('html')}>
          HTML
        </button>
        <button type="button" role="radio" aria-checked={view === 'text'} className={`button small${view === 'text' ? ' primary' : ''}`} onClick={() => setView('text')}>
          Plain text
        </button>
      </div>
      {view === 'html' ? (
        <div className="mail-preview-body" role="document" aria-label="HTML part" tabIndex={0}>
          <SafeHtml html={preview.html} inline={preview.inline} />
        </div>
      ) : (
        <pre className="mail-preview-body mail-preview-text" role="document" aria-label="Plain-text part" tabIndex={0}>
          {preview.text}
        </pre>
      )}
    </section>
  );
}
