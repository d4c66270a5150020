// Types of lazy-packages.mjs (for vitest.config.ts).
import type { Plugin } from 'vite';

export function lazyRuntime(requireFrom: string): string;
export function standInModule(name: string, requireFromRoot: (id: string) => unknown, runtime: string): string;
export function lazyPackages(names: readonly string[], root: string): { name: string; setup(build: unknown): void };
export function lazyPackagesForVite(names: readonly string[], root: string): Plugin;
