// Regenerates src/api/schema.ts from openapi.json (npm run gen:api).
// Operation ids are unique per document (the server prefixes each with its tag); the prefix is added here only if an
// older document lacks it. Objects without declared properties (variables, settings) become Record<string, unknown>.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const doc = JSON.parse(await readFile(here('../openapi.json'), 'utf8'));

for (const item of Object.values(doc.paths ?? {})) {
  for (const op of Object.values(item)) {
    if (op && typeof op === 'object' && typeof op.operationId === 'string') {
      const tag = Array.isArray(op.tags) && op.tags.length ? op.tags[0] : 'api';
      if (!op.operationId.startsWith(`${tag}_`)) op.operationId = `${tag}_${op.operationId}`;
    }
  }
}

const ast = await openapiTS(doc, { emptyObjectsUnknown: true });
await writeFile(here('../src/api/schema.ts'), COMMENT_HEADER + astToString(ast));
console.log('src/api/schema.ts written from openapi.json');
