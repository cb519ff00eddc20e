import { z } from 'zod';
import { channel } from '../channel';

/** The user-list columns an administrator can hide (Login always shows: it names the row). */
export const HideableColumnSchema = z.enum(['displayName', 'email', 'totp', 'qrIssuedAt', 'sessions', 'source', 'provisioning']);
export type HideableColumn = z.infer<typeof HideableColumnSchema>;

/** Which part of which server the main pane shows; `serverId: null` is the users of every server at once ("All servers"). */
export const SavedViewSchema = z.union([
  z.object({ serverId: z.string().min(1).max(64), section: z.enum(['users', 'clientSessions', 'computers', 'admins', 'audit', 'settings']) }),
  z.object({ serverId: z.null(), section: z.literal('users') }),
]);

/**
 * How the console looks, kept by main in its settings file beside the server list: nothing
 * secret, nothing the renderer keeps in its own storage.
 */
export const ConsolePrefsSchema = z.object({
  /** The node of the tree that was open, shown again after a reload or restart. */
  view: SavedViewSchema.nullable().default(null),
  hiddenUserColumns: z.array(HideableColumnSchema).max(10).default([]),
});
export type ConsolePrefs = z.output<typeof ConsolePrefsSchema>;

/** The console's own view settings. */
export const prefsChannels = {
  'prefs:get': channel(z.object({}).strict(), ConsolePrefsSchema, 'The saved view: the open node of the tree and the hidden columns'),
  'prefs:set': channel(
    z.object({ view: SavedViewSchema.nullable().optional(), hiddenUserColumns: z.array(HideableColumnSchema).max(10).optional() }).strict(),
    ConsolePrefsSchema,
    'Change some of the saved view settings; the fields left out keep their value',
  ),
} as const;
