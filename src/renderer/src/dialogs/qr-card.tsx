import type { GeneratedCode } from '../../../shared/ipc/contract';
import { BrokenIcon } from '../components/icons';

/**
 * One QR code as main drew it: the module path in module units, on white with a four-module
 * quiet zone (ISO/IEC 18004 §7.3.7), so it scans even in dark mode.
 */
export function QrSvg({ size, path, label }: { size: number; path: string; label: string }) {
  return (
    <svg className="qr" viewBox={`-4 -4 ${size + 8} ${size + 8}`} role="img" aria-label={label} shapeRendering="crispEdges">
      <rect x={-4} y={-4} width={size + 8} height={size + 8} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

/**
 * A card in the Generated QR codes popup: the code, or for a broken one a crossed-out,
 * hatched box that cannot be mistaken for a code, with the server's reason in full.
 */
export function QrCard({ code }: { code: GeneratedCode }) {
  const broken = code.status === 'broken' || !code.qr;
  const reason = code.reason ?? 'Not issued';
  return (
    <div role="listitem" className={`qr-card${broken ? ' broken' : ''}`} aria-label={`${code.login}: ${broken ? `broken, ${reason}` : 'ok'}`}>
      {broken || !code.qr ? (
        <div className="qr-broken" role="img" aria-label={`No QR code for ${code.login}: ${reason}`}>
          <BrokenIcon className="broken-icon" />
          <span className="broken-title">NOT ISSUED</span>
          <span className="broken-reason" title={reason}>{reason}</span>
        </div>
      ) : (
        <QrSvg size={code.qr.size} path={code.qr.path} label={`QR code for ${code.login}`} />
      )}
      <div className="qr-login" title={code.login}>{code.login}</div>
      <div className="qr-name" title={code.displayName}>{code.displayName || '\u00a0'}</div>
      {broken ? (
        <div className="qr-status bad">{code.errorCode === 'ISSUE_UNCONFIRMED' ? 'Unconfirmed: may be re-keyed' : 'Broken: keeps the old password'}</div>
      ) : (
        <div className="qr-status ok">Issued</div>
      )}
    </div>
  );
}
