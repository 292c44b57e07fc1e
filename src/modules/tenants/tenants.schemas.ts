import { z } from 'zod';

export const emailSchema = z.email().max(254);
export const passwordSchema = z.string().min(10, 'must be at least 10 characters').max(200);
const nameSchema = z.string().trim().min(1).max(200);

export const registerBodySchema = z.union([
  z.object({ email: emailSchema, password: passwordSchema, name: nameSchema, companyName: nameSchema }).strict(),
  z.object({ email: emailSchema, password: passwordSchema, name: nameSchema, inviteCode: z.string().min(10).max(200) }).strict(),
]);

export const loginBodySchema = z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(200) }).strict();

export const locationRoleSchema = z.enum(['location_admin', 'location_member']);

export const userViewSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(['platform_admin', 'agency_admin', 'member']),
    companyId: z.string().nullable(),
    locations: z.array(z.object({ locationId: z.string(), role: locationRoleSchema })),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });

export const sessionSchema = z.object({ token: z.string(), expiresAt: z.string(), user: userViewSchema }).meta({ id: 'Session' });

export const locationViewSchema = z
  .object({
    id: z.string(),
    companyId: z.string(),
    name: z.string(),
    ghlLocationId: z.string().nullable(),
    timezone: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Location' });

export const paginationQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
}

export const createLocationBodySchema = z
  .object({ name: nameSchema, timezone: z.string().min(1).max(64).optional(), companyId: z.string().optional() })
  .strict();
export const updateLocationBodySchema = z
  .object({ name: nameSchema.optional(), timezone: z.string().min(1).max(64).nullable().optional() })
  .strict();

export const apiKeyViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    locationId: z.string(),
    role: locationRoleSchema,
    prefix: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
export const createApiKeyBodySchema = z
  .object({ name: nameSchema, locationId: z.string().min(1), role: locationRoleSchema.optional() })
  .strict();

export const inviteRoleSchema = z.enum(['agency_admin', 'member', 'location_admin', 'location_member']);
export const inviteViewSchema = z
  .object({
    id: z.string(),
    companyId: z.string(),
    locationId: z.string().nullable(),
    role: inviteRoleSchema,
    email: z.string().nullable(),
    maxUses: z.number().int(),
    useCount: z.number().int(),
    expiresAt: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'Invite' });
export const createInviteBodySchema = z
  .object({
    role: inviteRoleSchema,
    locationId: z.string().min(1).optional(),
    email: emailSchema.optional(),
    maxUses: z.number().int().min(1).max(1000).default(1),
    expiresInHours: z.number().int().min(1).max(24 * 90).default(72),
  })
  .strict();

export const idParamsSchema = (name: string) => z.object({ [name]: z.string().min(1).max(100) });

export const userSessionViewSchema = z
  .object({
    id: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    userAgent: z.string().nullable().describe('The User-Agent that started it (cut to 200 characters)'),
    ip: z.string().nullable().describe('The client IP that started it'),
    isCurrent: z.boolean().describe('The session this request was made with'),
  })
  .meta({ id: 'UserSession' });

export const changePasswordBodySchema = z
  .object({ currentPassword: z.string().min(1).max(200), newPassword: passwordSchema })
  .strict();

export const sessionIdParamsSchema = z.object({ sessionId: z.string().min(1).max(100) });

export const streamTicketSchema = z.object({ ticket: z.string(), expiresAt: z.string() }).meta({ id: 'StreamTicket' });
