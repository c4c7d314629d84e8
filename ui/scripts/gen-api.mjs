// Regenerates src/api/schema.ts from openapi.json (npm run gen:api); `node scripts/gen-api.mjs <file>` writes the
// result to <file> instead (npm run check:api compares it with the committed schema).
// Operation ids are unique per document (the server prefixes each with its tag); the prefix is added here only if an
// older document lacks it. Objects without declared properties (variables, settings) become Record<string, unknown>.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** The TypeScript text of src/api/schema.ts for the OpenAPI document in openapi.json. */
export async function generateSchema() {
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
  return COMMENT_HEADER + astToString(ast);
}

export const SCHEMA_PATH = here('../src/api/schema.ts');

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? resolve(process.argv[2]) : SCHEMA_PATH;
  await writeFile(out, await generateSchema());
  console.log(`${out === SCHEMA_PATH ? 'src/api/schema.ts' : out} written from openapi.json`);
}
