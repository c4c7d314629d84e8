// Before the browser tests: remove the screenshots of an earlier run, so every PNG left is from this one.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACTS } from './harness';

export default async function setup(): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  for (const name of await readdir(ARTIFACTS)) {
    if (name.endsWith('.png')) await rm(join(ARTIFACTS, name), { force: true });
  }
}
