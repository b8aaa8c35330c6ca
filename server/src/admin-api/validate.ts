import { errors } from '@strapi/utils';
import type { z } from 'zod';

/** A zod failure as Strapi's 400, naming each offending field in `details.errors`. */
export const toValidationError = (error: z.ZodError): errors.ValidationError =>
  new errors.ValidationError(
    error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
    {
      errors: error.issues.map((issue) => ({
        path: issue.path.map(String),
        message: issue.message,
        name: 'ValidationError',
      })),
    },
  );

/** Parses request input, or answers 400. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw toValidationError(parsed.error);
  return parsed.data;
}
