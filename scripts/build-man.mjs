// Writes man/parkctl.1 from the built command tree (npm run build runs this after tsc).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const { buildProgram } = await import('../dist/cli.js');
const { renderManPage } = await import('../dist/commands/man-page.js');
const program = await buildProgram(async () => {}, { writeOut: () => {}, writeErr: () => {} }, null);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// the date of the version, not of the build: the same tree gives the same page
mkdirSync(join(root, 'man'), { recursive: true });
writeFileSync(join(root, 'man', 'parkctl.1'), renderManPage(program, version, '2026-12'));
