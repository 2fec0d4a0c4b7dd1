// Recognises a zod validation error without loading zod: zod is large, and a command that never
// validates with it (or `--help`) should not pay for it at start-up (issue 13). A zod ZodError is an
// Error named "ZodError" with an `issues` array (zod 4: classic/errors.js sets the name).
export interface ZodLikeError extends Error {
  issues: { message: string }[];
}

export function isZodError(err: unknown): err is ZodLikeError {
  return err instanceof Error && err.name === 'ZodError' && Array.isArray((err as Partial<ZodLikeError>).issues);
}
