// Types of server-build-options.mjs (for vitest.config.ts).
export const LAZY: readonly string[];
export const BUNDLED: readonly string[];
export function serverBuildOptions(root: string): Record<string, unknown>;
