// Browser test of a streaming pipeline (fixtures/mage_streaming: a real RabbitMQ from scripts/temp-rabbitmq → a
// Mage-style transformer → the test PostgreSQL): its `@always_on` trigger starts it, the pipeline's header says it
// runs and links the run, the run page's Stream card counts the messages, Stop stops it (and the trigger leaves it
// stopped), and Start starts it again as a new run.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSession, POLL, type Session } from './harness';

const run = promisify(execFile);
const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const RABBIT = join(REPO, 'scripts', 'temp-rabbitmq');
const SENT = 50;

let rabbitDir = '';
let rabbitPort = '';
let s: Session | undefined;
const schema = `stream_e2e_${randomUUID().slice(0, 8)}`;

/** Publishes `count` JSON messages `{"id": n, "amount": n}` to the durable queue `queue`. */
async function publish(queue: string, count: number) {
  const script = [
    'import json, sys, pika',
    "c = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', int(sys.argv[1])))",
    'ch = c.channel()',
    'ch.queue_declare(queue=sys.argv[2], durable=True)',
    'for n in range(int(sys.argv[3])):',
    "    ch.basic_publish('', sys.argv[2], json.dumps({'id': n, 'amount': n}))",
    'c.close()',
  ].join('\n');
  await run(process.env.WAND_PYTHON ?? 'python3', ['-c', script, rabbitPort, queue, String(count)]);
}

beforeAll(async () => {
  rabbitDir = await mkdtemp(join(tmpdir(), 'wand-e2e-rabbit-'));
  rabbitPort = (await run(RABBIT, ['start', rabbitDir], { timeout: 120_000 })).stdout.trim();
}, 180_000);

afterAll(async () => {
  if (rabbitDir) await run(RABBIT, ['stop', rabbitDir]).catch(() => undefined);
  await rm(rabbitDir, { recursive: true, force: true });
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await s?.shot(`FAILED-${ctx.task.name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => undefined);
  await s?.close();
});

describe('streaming pipelines', () => {
  it('runs by its always-on trigger, counts messages on the run page, stops and starts again', async () => {
    const database = process.env.WAND_TEST_DATABASE_URL;
    if (!database) throw new Error('WAND_TEST_DATABASE_URL names the test PostgreSQL (scripts/test sets it)');
    const queue = `e2e_${randomUUID().slice(0, 8)}`;
    await publish(queue, SENT);
    const session = await openSession({
      fixture: 'mage_streaming',
      env: {
        STREAM_RABBITMQ_PORT: rabbitPort,
        STREAM_QUEUE: queue,
        STREAM_PG_PORT: new URL(database).port || '5432',
        STREAM_PG_SCHEMA: schema,
      },
    });
    s = session;
    const { page, ui } = session;

    await page.goto(`${ui.url}/pipelines/rabbit_to_pg`);
    const control = page.getByTestId('stream-control');
    await expect.poll(() => control.textContent(), { timeout: 60_000, interval: 100 }).toMatch(/Running · run #\d+/);
    const first = Number(/run #(\d+)/.exec((await control.textContent()) ?? '')?.[1]);

    await control.getByRole('link', { name: `run #${String(first)}` }).click();
    const card = page.getByTestId('run-stream');
    await expect.poll(() => card.getByTestId('stream-in').textContent(), { timeout: 60_000, interval: 100 }).toBe(String(SENT));
    await expect.poll(() => card.textContent(), POLL).toContain('store_events');
    await session.shot('52-stream-run-card');

    // Stop: the run is cancelled, and the always-on trigger leaves the stream stopped.
    await card.getByRole('button', { name: /Stop/ }).click();
    await expect
      .poll(async () => (await session.api<{ status: string }>('GET', `/runs/${String(first)}`)).status, { timeout: 60_000, interval: 100 })
      .toBe('cancelled');
    await page.goto(`${ui.url}/pipelines/rabbit_to_pg`);
    await expect.poll(() => control.textContent(), POLL).toContain('Stopped');

    // Start: a new run of the stream, which goes on consuming what arrives.
    await control.getByRole('button', { name: /Start/ }).click();
    await expect.poll(() => control.textContent(), { timeout: 60_000, interval: 100 }).toMatch(/Running · run #\d+/);
    const second = Number(/run #(\d+)/.exec((await control.textContent()) ?? '')?.[1]);
    expect(second).toBeGreaterThan(first);
    await publish(queue, 5);
    await control.getByRole('link', { name: `run #${String(second)}` }).click();
    // Counters are the run's own: the new run counts what it consumed.
    await expect.poll(() => card.getByTestId('stream-in').textContent(), { timeout: 60_000, interval: 100 }).toBe('5');
    await page.goto(`${ui.url}/pipelines/rabbit_to_pg`);
    await expect.poll(() => control.textContent(), POLL).toContain(`run #${String(second)}`);
    await session.shot('53-stream-control-running');
  });
});
