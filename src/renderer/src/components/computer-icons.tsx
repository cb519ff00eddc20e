/** The tree's icons for computer sign-in, drawn like icons.tsx's: inline, nothing the CSP has to allow. */

/** A monitor (Computers). */
export function ComputerIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <rect x="1.8" y="2.5" width="12.4" height="8.3" rx="1" stroke="currentColor" strokeWidth="1.4" fill="none" />
      <path d="M5.5 13.8h5M8 10.8v3" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
    </svg>
  );
}

/** A monitor with a person (Client sessions: who is signed in to which computer). */
export function ClientSessionIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <rect x="1.8" y="2.5" width="12.4" height="8.3" rx="1" stroke="currentColor" strokeWidth="1.4" fill="none" />
      <circle cx="8" cy="5.6" r="1.4" fill="currentColor" />
      <path d="M5.6 9.2c0.4-1.2 1.3-1.8 2.4-1.8s2 0.6 2.4 1.8" stroke="currentColor" strokeWidth="1.2" fill="none" />
      <path d="M5.5 13.8h5" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
    </svg>
  );
}
