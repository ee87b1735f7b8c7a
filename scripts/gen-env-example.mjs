// Regenerates .env.example and the README configuration table from the config schema
// (packages/shared/src/config/schema.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderEnvExample, withConfigTable } from '../packages/shared/dist/index.js';

writeFileSync(new URL('../.env.example', import.meta.url), renderEnvExample());
const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withConfigTable(readFileSync(readme, 'utf8')));
process.stdout.write('wrote .env.example and the README configuration table\n');
