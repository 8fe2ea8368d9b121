// The production build: the TypeScript in src/ compiled to JavaScript in dist/, with the files the
// code reads at run time (the dashboard's assets) beside it.
import { execFileSync } from 'node:child_process';
import process from 'node:process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/dashboard/assets', 'dist/dashboard/assets', { recursive: true });
