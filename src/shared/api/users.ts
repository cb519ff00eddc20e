import { z } from 'zod';
import { EmailSchema, LoginSchema, SortOrderSchema, UserSchema, UserSortSchema } from '../model/user';
import { IdParams, Ok, route } from './route';

export const UserListQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  search: z.string().max(200).optional(),
  sort: UserSortSchema.default('login'),
  order: SortOrderSchema.default('asc'),
});

export const UserPageSchema = z.object({ total: z.number().int(), items: z.array(UserSchema) });

export const CreateUserSchema = z.object({
  login: LoginSchema,
  displayName: z.string().trim().max(200).default(''),
  email: EmailSchema.default(''),
  /** Optional initial password, checked against the policy. */
  password: z.string().max(1024).optional(),
});

export const UpdateUserSchema = z
  .object({ login: LoginSchema, displayName: z.string().trim().max(200), email: EmailSchema })
  .partial()
  .refine((o) => Object.keys(o).length > 0, 'Nothing to change');

export const SetPasswordSchema = z.object({ password: z.string().min(1).max(1024) });

/** The user directory: list, read, create, edit, delete, set a password. */
export const usersApi = {
  listUsers: route({ method: 'GET', path: '/api/v1/users', summary: 'Page through users, with search and sort', auth: 'admin', query: UserListQuerySchema, response: UserPageSchema }),
  getUser: route({ method: 'GET', path: '/api/v1/users/:id', summary: "A user's details", auth: 'admin', params: IdParams, response: UserSchema }),
  createUser: route({ method: 'POST', path: '/api/v1/users', summary: 'Create a user', auth: 'admin', body: CreateUserSchema, response: UserSchema }),
  updateUser: route({
    method: 'PATCH',
    path: '/api/v1/users/:id',
    summary: 'Edit a user; a login change voids their QR credentials',
    auth: 'admin',
    params: IdParams,
    body: UpdateUserSchema,
    response: UserSchema,
  }),
  deleteUser: route({ method: 'DELETE', path: '/api/v1/users/:id', summary: 'Delete a user', auth: 'admin', params: IdParams, response: Ok }),
  setPassword: route({
    method: 'PUT',
    path: '/api/v1/users/:id/password',
    summary: "Set a user's password (checked against the policy); voids their QR credentials",
    auth: 'admin',
    params: IdParams,
    body: SetPasswordSchema,
    response: Ok,
  }),
} as const;
