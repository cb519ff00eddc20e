/** The Actions menu button's icon: a person with a small gear (account actions). */
export function UserCogIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <circle cx="6" cy="5" r="2.6" stroke="currentColor" strokeWidth="1.4" fill="none" />
      <path d="M1.5 14c0-2.6 2-4.4 4.5-4.4 1 0 1.9.3 2.6.8" stroke="currentColor" strokeWidth="1.4" fill="none" strokeLinecap="round" />
      <circle cx="12" cy="12" r="1.5" stroke="currentColor" strokeWidth="1.3" fill="none" />
      <path d="M12 8.8v1.2M12 14v1.2M8.8 12H10M14 12h1.2M9.8 9.8l.8.8M13.4 13.4l.8.8M9.8 14.2l.8-.8M13.4 10.6l.8-.8" stroke="currentColor" strokeWidth="1.1" strokeLinecap="round" />
    </svg>
  );
}
