import { z } from 'zod';
import { ClientSessionPageSchema, ClientSessionQuerySchema } from '../../api/routes';
import { channel, ServerRef } from '../channel';

/** The Client sessions list's query over IPC: the yes/no filters are JSON booleans (the REST query's `true`/`false`). */
export const ClientSessionListInputSchema = ServerRef.extend({
  ...ClientSessionQuerySchema.shape,
  active: z.boolean().optional(),
  emergency: z.boolean().optional(),
});

/** Users' sign-ins to computers with one-time passwords by email, newest first. */
export const clientSessionChannels = {
  'clientSessions:list': channel(
    ClientSessionListInputSchema,
    ClientSessionPageSchema,
    'A page of client sessions (User Name `<signed-in user> (<email>)`, computer, start, end, emergency), filtered',
  ),
} as const;
