import { z } from 'zod';

/** Names that would reach an object's prototype instead of a field. */
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** A plain top-level field name (any text, not empty). */
export function fieldName(defaultName: string) {
  return z
    .string()
    .trim()
    .min(1, 'Give the field a name.')
    .refine((name) => !FORBIDDEN.has(name), { message: 'This name is reserved; choose another field name.' })
    .default(defaultName);
}

/** A field name that may be a dotted path (`address.city`) into nested objects. */
export const fieldPath = z
  .string()
  .trim()
  .min(1, 'Give the field a name.')
  .refine((path) => path.split('.').every((segment) => segment !== ''), {
    message: 'A field name cannot start or end with a dot or contain two dots in a row (write address.city).',
  })
  .refine((path) => path.split('.').every((segment) => !FORBIDDEN.has(segment)), {
    message: 'This name is reserved; choose another field name.',
  });

/**
 * Sets `value` at a dotted `path` inside `target` (mutates `target`, which must be a fresh copy).
 * Nested objects on the way are shallow-copied, never changed in place, so the caller's input
 * stays untouched; anything on the way that is not an object is replaced by one.
 */
export function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let current = target;
  const last = path.length - 1;
  for (let i = 0; i < last; i++) {
    const key = path[i];
    const existing = current[key];
    const next: Record<string, unknown> =
      existing !== null && typeof existing === 'object' && !Array.isArray(existing) ? { ...(existing as Record<string, unknown>) } : {};
    current[key] = next;
    current = next;
  }
  current[path[last]] = value;
}
