import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { appRoot } from '../src/config.js';
import { printGatewaySchema } from '../schema/index.js';

/** Writes schema/schema.graphql from the code-first schema (`npm run schema`). */
const target = path.join(appRoot, 'schema', 'schema.graphql');
writeFileSync(target, await printGatewaySchema());
console.log(`wrote ${path.relative(appRoot, target)}`);
