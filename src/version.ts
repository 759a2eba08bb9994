import { readFileSync } from 'node:fs';

// package.json sits one level above both src/ (tsx) and dist/ (the built image), so one relative
// URL serves both.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version?: unknown;
};

export const VERSION: string = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
