/** Small inline icons: no icon font, no network, nothing the CSP has to allow. */
import type { ReactElement } from 'react';

type IconProps = { className?: string };

function Svg({ children, className }: { children: ReactElement | ReactElement[]; className?: string | undefined }) {
  return (
    <svg className={className ?? 'icon'} viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

/** Plus sign (add server, add user). */
export function PlusIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M8 3v10M3 8h10" stroke="currentColor" strokeWidth="1.6" fill="none" strokeLinecap="round" />
    </Svg>
  );
}

/** Circular arrow (refresh). */
export function RefreshIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M13 8a5 5 0 1 1-1.5-3.6" stroke="currentColor" strokeWidth="1.5" fill="none" strokeLinecap="round" />
      <path d="M12 1.8v3h-3" stroke="currentColor" strokeWidth="1.5" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </Svg>
  );
}

/** Person with plus (add user). */
export function UserPlusIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <circle cx="6" cy="5" r="2.6" stroke="currentColor" strokeWidth="1.4" fill="none" />
      <path d="M1.5 14c0-2.6 2-4.3 4.5-4.3S10.5 11.4 10.5 14" stroke="currentColor" strokeWidth="1.4" fill="none" />
      <path d="M13 4v5M10.5 6.5h5" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
    </Svg>
  );
}

/** Pencil (edit). */
export function EditIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M3 13l.6-2.8L10.8 3l2.2 2.2-7.2 7.2z" stroke="currentColor" strokeWidth="1.4" fill="none" strokeLinejoin="round" />
    </Svg>
  );
}

/** Bin (delete). */
export function TrashIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M2.5 4h11M6 4V2.5h4V4M4 4l.7 9.5h6.6L12 4" stroke="currentColor" strokeWidth="1.4" fill="none" strokeLinejoin="round" />
    </Svg>
  );
}

/** QR-ish squares (generate). */
export function QrIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path
        d="M2 2h5v5H2zM9 2h5v5H9zM2 9h5v5H2zM9 9h2v2H9zM12 12h2v2h-2zM12 9h2v2h-2zM9 12h2v2H9z"
        stroke="currentColor"
        strokeWidth="1.1"
        fill="none"
      />
    </Svg>
  );
}

/** Disclosure chevron for the tree. */
export function ChevronIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M6 3.5L10.5 8 6 12.5" stroke="currentColor" strokeWidth="1.6" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </Svg>
  );
}

/** Server box. */
export function ServerIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <rect x="2" y="2.5" width="12" height="4.5" rx="1" stroke="currentColor" strokeWidth="1.3" fill="none" />
      <rect x="2" y="9" width="12" height="4.5" rx="1" stroke="currentColor" strokeWidth="1.3" fill="none" />
    </Svg>
  );
}

/** People (users node). */
export function UsersIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <circle cx="6" cy="5.5" r="2.3" stroke="currentColor" strokeWidth="1.3" fill="none" />
      <path d="M1.8 13.5c0-2.3 1.9-3.8 4.2-3.8s4.2 1.5 4.2 3.8" stroke="currentColor" strokeWidth="1.3" fill="none" />
      <path d="M10.5 3.6a2.2 2.2 0 1 1 0 4M12 9.9c1.3.5 2.2 1.7 2.2 3.6" stroke="currentColor" strokeWidth="1.3" fill="none" />
    </Svg>
  );
}

/** A person with a shield (administrators node). */
export function AdminsIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <circle cx="6" cy="5" r="2.3" stroke="currentColor" strokeWidth="1.3" fill="none" />
      <path d="M1.8 13.5c0-2.3 1.7-3.8 4-3.8 .8 0 1.5.2 2.1.5" stroke="currentColor" strokeWidth="1.3" fill="none" />
      <path d="M11.5 8.2l2.7 1v2c0 1.6-1.2 2.7-2.7 3.2-1.5-.5-2.7-1.6-2.7-3.2v-2z" stroke="currentColor" strokeWidth="1.2" strokeLinejoin="round" fill="none" />
    </Svg>
  );
}

/** List (audit node). */
export function ListIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M5.5 4h8M5.5 8h8M5.5 12h8M2.5 4h.5M2.5 8h.5M2.5 12h.5" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
    </Svg>
  );
}

/** Sliders (settings). */
export function SettingsIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M2.5 4h11M2.5 8h11M2.5 12h11" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
      <circle cx="10" cy="4" r="1.6" fill="var(--panel-2, #fff)" stroke="currentColor" strokeWidth="1.4" />
      <circle cx="5.5" cy="8" r="1.6" fill="var(--panel-2, #fff)" stroke="currentColor" strokeWidth="1.4" />
      <circle cx="11" cy="12" r="1.6" fill="var(--panel-2, #fff)" stroke="currentColor" strokeWidth="1.4" />
    </Svg>
  );
}

/** A broken QR code placeholder: a crossed-out frame. */
export function BrokenIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M2 2h12v12H2z" stroke="currentColor" strokeWidth="1.3" fill="none" strokeDasharray="2 1.5" />
      <path d="M4.5 4.5l7 7M11.5 4.5l-7 7" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
    </Svg>
  );
}

/** Tick, for satisfied policy rules. */
export function CheckIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M3 8.5l3 3 7-7" stroke="currentColor" strokeWidth="1.8" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </Svg>
  );
}

/** Cross, for unmet policy rules. */
export function CrossIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
    </Svg>
  );
}

/** Downward chevron (the split Save button's options part). */
export function ChevronDownIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M4 6l4 4 4-4" stroke="currentColor" strokeWidth="1.6" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </Svg>
  );
}

/** Sheet with an arrow in (import users from a file). */
export function ImportIcon({ className }: IconProps) {
  return (
    <Svg className={className}>
      <path d="M3 9.5V13.5h10V9.5" stroke="currentColor" strokeWidth="1.4" fill="none" strokeLinejoin="round" />
      <path d="M8 2v8M5 7l3 3 3-3" stroke="currentColor" strokeWidth="1.4" fill="none" strokeLinecap="round" strokeLinejoin="round" />
    </Svg>
  );
}
