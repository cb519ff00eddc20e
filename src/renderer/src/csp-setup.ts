import { z } from 'zod';
import { installZodMessages } from '../../shared/zod-messages';

/**
 * Runs before any other module (first import of main.tsx) so the settings hold before
 * any schema is built or parsed.
 *
 * zod probes for eval support with `new Function` on first use; under our CSP
 * (script-src 'self', no 'unsafe-eval') that probe is a reported violation, so tell it
 * up front that there is no eval.
 */
z.config({ jitless: true });
// Form checks made with the shared schemas speak in sentences, as main's and the server's do.
installZodMessages();

// React Aria's usePress injects a <style> element (touch-action for pressables) unless one
// with this id exists; the CSP blocks inline <style>, so the rule lives in styles.css and
// this marker tells React Aria it is already there.
if (!document.getElementById('react-aria-pressable-style')) {
  const marker = document.createElement('meta');
  marker.id = 'react-aria-pressable-style';
  document.head.append(marker);
}
