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

/** A card in the Generated QR codes popup: the code (or a broken placeholder), login, name and status. */
export function QrCard({ code }: { code: GeneratedCode }) {
  const broken = code.status === 'broken' || !code.qr;
  return (
    <div role="listitem" className={`qr-card${broken ? ' broken' : ''}`} aria-label={`${code.login}: ${broken ? 'broken' : 'ok'}`}>
      {broken || !code.qr ? (
        <div className="qr-broken" role="img" aria-label={`No QR code for ${code.login}`}>
          <BrokenIcon className="broken-icon" />
        </div>
      ) : (
        <QrSvg size={code.qr.size} path={code.qr.path} label={`QR code for ${code.login}`} />
      )}
      <div className="qr-login" title={code.login}>{code.login}</div>
      <div className="qr-name" title={code.displayName}>{code.displayName || '\u00a0'}</div>
      {broken ? (
        <div className="qr-status bad" title={code.reason}>
          Broken: {code.reason ?? 'not issued'}
        </div>
      ) : (
        <div className="qr-status ok">Issued</div>
      )}
    </div>
  );
}
