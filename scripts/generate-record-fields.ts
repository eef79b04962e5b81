// Writes nodes/common/flow/record-fields.ts from the registry tables (npm run generate).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordFieldsSource } from './record-fields';

const target = join(__dirname, '..', 'nodes', 'common', 'flow', 'record-fields.ts');
writeFileSync(target, recordFieldsSource());
console.log(`generate: ${target}`);
