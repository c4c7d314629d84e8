// Fails when src/api/schema.ts is not what `npm run gen:api` makes of openapi.json (npm run check:api): the schema is
// regenerated into a temporary file and compared with the committed one, which is left untouched.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSchema, SCHEMA_PATH } from './gen-api.mjs';

const dir = await mkdtemp(join(tmpdir(), 'wand-ui-schema-'));
try {
  const fresh = join(dir, 'schema.ts');
  await writeFile(fresh, await generateSchema());
  const [expected, committed] = await Promise.all([readFile(fresh, 'utf8'), readFile(SCHEMA_PATH, 'utf8').catch(() => '')]);
  if (expected !== committed) {
    const a = committed.split('\n');
    const b = expected.split('\n');
    let line = 0;
    while (line < a.length && line < b.length && a[line] === b[line]) line += 1;
    console.error(
      [
        'ui/src/api/schema.ts is out of date: it is not what ui/openapi.json generates.',
        `First difference at line ${String(line + 1)}:`,
        `  committed: ${a[line] ?? '(end of file)'}`,
        `  generated: ${b[line] ?? '(end of file)'}`,
        'Run `npm run gen:api` in ui/, then `npm run typecheck`, and commit src/api/schema.ts.',
      ].join('\n'),
    );
    process.exitCode = 1;
  } else {
    console.log('src/api/schema.ts matches openapi.json');
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
