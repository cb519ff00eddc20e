import { describe, expect, it } from 'vitest';
import { insecureOverNetwork } from './add-server-dialog';

describe('the warning before a plain http:// server', () => {
  it('is given for http:// to another machine, by name or address', () => {
    for (const url of ['http://gatepass.example:8443', 'http://192.0.2.10', 'http://[2001:db8::1]:8080', 'http://10.0.0.5/', 'HTTP://Plant2.corp']) expect(insecureOverNetwork(url), url).toBe(true);
  });

  it('is not given for https://, nor for this machine over http://', () => {
    for (const url of ['https://gatepass.example:8443', 'http://127.0.0.1:8443', 'http://127.1.2.3', 'http://localhost:9000', 'http://[::1]:8443', 'http://console.localhost', 'not a url']) {
      expect(insecureOverNetwork(url), url).toBe(false);
    }
  });
});
