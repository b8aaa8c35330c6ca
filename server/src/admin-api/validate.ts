import { errors } from '@strapi/utils';
import type { z } from 'zod';

/** A zod failure as Strapi's 400, naming each offending field in `details.errors`. */
export const toValidationError = (error: z.ZodError, where = 'body'): errors.ValidationError =>
  new errors.ValidationError(
    error.issues.map((issue) => `${issue.path.join('.') || where}: ${issue.message}`).join('; '),
    {
      errors: error.issues.map((issue) => ({
        path: issue.path.map(String),
        message: issue.message,
        name: 'ValidationError',
      })),
    },
  );

/** Parses request input, or answers 400; `where` names the input when the issue is about all of it. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, where: 'body' | 'query' | 'params' = 'body'): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw toValidationError(parsed.error, where);
  return parsed.data;
}
