import { describe, expect, it } from 'vitest';
import { commandStates, type CommandContext } from './command-state';

const ready: CommandContext = { server: { status: 'connected' }, section: 'users', count: 2, issuing: false };

describe('toolbar commands and why a disabled one is disabled', () => {
  it('enables the user commands with a connected server, its Users shown and users selected', () => {
    const s = commandStates(ready);
    expect(s.delete).toEqual({ enabled: true });
    expect(s.generate).toEqual({ enabled: true });
    expect(s.actions).toEqual({ enabled: true });
    expect(s.addUser).toEqual({ enabled: true });
  });

  it('asks for a selection first for the commands that act on selected users', () => {
    const s = commandStates({ ...ready, count: 0 });
    for (const name of ['edit', 'delete', 'generate', 'actions'] as const) expect(s[name]).toEqual({ enabled: false, reason: 'Select users first' });
    expect(s.addUser.enabled).toBe(true);
  });

  it('says to connect first when the server is not connected, before asking for a selection', () => {
    const s = commandStates({ ...ready, server: { status: 'needs-password' }, count: 0 });
    expect(s.delete).toEqual({ enabled: false, reason: 'Connect to the server first' });
    expect(s.importUsers).toEqual({ enabled: false, reason: 'Connect to the server first' });
    expect(s.refresh.enabled).toBe(true);
    expect(s.addServer.enabled).toBe(true);
  });

  it('says to choose a server, or to open its Users, when the pane shows something else', () => {
    expect(commandStates({ ...ready, server: null, section: null }).addUser).toEqual({ enabled: false, reason: 'Choose a server in the tree first' });
    expect(commandStates({ ...ready, section: 'audit' }).generate).toEqual({ enabled: false, reason: "Open the server's Users first" });
  });

  it('edits one user at a time and issues one run at a time', () => {
    expect(commandStates(ready).edit).toEqual({ enabled: false, reason: 'Select only one user to edit' });
    expect(commandStates({ ...ready, count: 1 }).edit).toEqual({ enabled: true });
    expect(commandStates({ ...ready, issuing: true }).generate).toEqual({ enabled: false, reason: 'Wait until the codes being issued are done' });
  });

  it('in the list of every server, keeps the per-user commands and sends the one-server ones to a server', () => {
    const s = commandStates({ server: null, allServers: true, section: 'users', count: 2, issuing: false });
    expect(s.actions).toEqual({ enabled: true });
    expect(s.edit).toEqual({ enabled: false, reason: 'Select only one user to edit' });
    expect(commandStates({ server: null, allServers: true, section: 'users', count: 1, issuing: false }).edit).toEqual({ enabled: true });
    expect(commandStates({ server: null, allServers: true, section: 'users', count: 0, issuing: false }).actions).toEqual({ enabled: false, reason: 'Select users first' });
    for (const name of ['addUser', 'importUsers', 'delete', 'generate'] as const) {
      expect(s[name]).toEqual({ enabled: false, reason: "Open one server's Users for this: it works on one server at a time" });
    }
  });

  it('sends provisioning email and shows provisioning QR codes for selected users of one server', () => {
    const base = { server: { status: 'connected' as const }, section: 'users' as const, issuing: false };
    expect(commandStates({ ...base, count: 3 }).provisioning).toEqual({ enabled: true });
    expect(commandStates({ ...base, count: 0 }).provisioning).toEqual({ enabled: false, reason: 'Select users first' });
    expect(commandStates({ ...base, server: { status: 'unreachable' }, count: 3 }).provisioning).toEqual({ enabled: false, reason: 'Connect to the server first' });
    // Each server has its own codes, mail settings and validity: one server at a time.
    expect(commandStates({ server: null, allServers: true, section: 'users', count: 2, issuing: false }).provisioning).toEqual({
      enabled: false,
      reason: "Open one server's Users for this: it works on one server at a time",
    });
  });
});
