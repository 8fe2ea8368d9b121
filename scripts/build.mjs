// The production build: the TypeScript in src/ compiled to JavaScript in dist/, with the files the
// code reads at run time (the dashboard's assets, the languages' files) beside it.
import { execFileSync } from 'node:child_process';
import process from 'node:process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/dashboard/assets', 'dist/dashboard/assets', { recursive: true });
// The shipped languages are read from their folders at start (src/dialogs/languages.ts).
for (const part of ['catalogs', 'words']) cpSync(`src/dialogs/prompts/${part}`, `dist/dialogs/prompts/${part}`, { recursive: true });
