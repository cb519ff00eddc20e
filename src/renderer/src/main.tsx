// Must stay the first import: it configures zod and React Aria for our CSP before they run.
import './csp-setup';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { installHttpTransport } from './transport/http-transport';
import './styles.css';
import './actions.css';
import './computer-signin.css';

// In Electron the preload has set window.gatepass; in the browser host it is built over HTTP.
installHttpTransport();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
