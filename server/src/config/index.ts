import { z } from 'zod';

const threshold = z.number().min(0).max(100).nullable();

/** What an admin may change at run time; persisted in the plugin store. */
export const runtimeSettingsSchema = z
  .object({
    rejectBelow: threshold,
    flagBelow: threshold,
    onScorerError: z.enum(['accept', 'reject']),
  })
  .strict()
  .refine((s) => s.rejectBelow === null || s.flagBelow === null || s.flagBelow >= s.rejectBelow, {
    path: ['flagBelow'],
    message: 'flagBelow must be greater than or equal to rejectBelow, or nothing could ever be flagged',
  });

export type RuntimeSettings = z.infer<typeof runtimeSettingsSchema>;

export const pluginConfigSchema = z
  .object({
    rejectBelow: threshold,
    flagBelow: threshold,
    onScorerError: z.enum(['accept', 'reject']),
    /** Images above this many pixels are refused before decoding (decompression bombs). */
    maxInputPixels: z.number().int().positive(),
    /** Longest side, in pixels, of the copy the embedded scorer looks at. */
    workingSize: z.number().int().min(64).max(2048),
  })
  .strict();

export type PluginConfig = z.infer<typeof pluginConfigSchema>;

export const defaultConfig: PluginConfig = {
  rejectBelow: null,
  flagBelow: null,
  onScorerError: 'accept',
  maxInputPixels: 100_000_000,
  workingSize: 512,
};

/** Formats zod issues as `key: message` lines so a bad config names what to fix. */
export const describeIssues = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');

export default {
  default: defaultConfig,
  validator(config: unknown): void {
    const result = pluginConfigSchema.safeParse(config);
    if (!result.success) {
      throw new Error(`Invalid config for plugin photo-score: ${describeIssues(result.error)}`);
    }
    const thresholds = runtimeSettingsSchema.safeParse({
      rejectBelow: result.data.rejectBelow,
      flagBelow: result.data.flagBelow,
      onScorerError: result.data.onScorerError,
    });
    if (!thresholds.success) {
      throw new Error(`Invalid config for plugin photo-score: ${describeIssues(thresholds.error)}`);
    }
  },
};
