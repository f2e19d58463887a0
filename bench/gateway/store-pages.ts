/**
 * What one stored generation costs the write path, for several checkouts
 * side by side: each built checkout's own storage layer and publication
 * service (`dist/src/`) store generated texts for the sample catalog into a
 * SQLite file of its own, in alternating rounds (order reversed every other
 * round), under the auto policy with its fact check. Per round: the WAL
 * frames (pages) each commit wrote, from the WAL index, and the process CPU
 * time per storeGenerated call (all threads, the WAL checkpointer's
 * included). Prints the rounds and the medians; writes nothing.
 *
 *   npm run build && node dist/bench/gateway/store-pages.js <checkout> [<checkout> …] [--rounds 6] [--calls 1500]
 *
 * A checkout is a repository directory with `npm ci && npm run build` done
 * in it; `.` is this one.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DescriptionInput, ProductRecord, Storage } from '../../src/storage/types.js';
import type { PublicationService } from '../../src/publication/publication.service.js';
import type { Slot } from '../../src/publication/slot.js';
import { storedDescription } from '../stored-description.js';
import { checkouts, median, option } from './checkouts.js';

/** The parts of a checkout this bench drives, as that checkout built them. */
interface Built {
  SqliteStorage: new (file: string) => Storage;
  PublicationService: new (options: object) => PublicationService;
  createPublicationBus: () => Promise<unknown>;
  factChecker: (vocabulary: unknown) => unknown;
  defaultFactVocabulary: () => unknown;
  slotOf: (productId: string, personalization: null) => Slot;
  readSampleCatalog: () => unknown[];
}

async function load(checkout: string): Promise<Built> {
  const from = async (file: string): Promise<Record<string, unknown>> =>
    (await import(pathToFileURL(path.join(checkout, 'dist/src', file)).href)) as Record<string, unknown>;
  return {
    ...(await from('storage/index.js')),
    ...(await from('publication/publication.service.js')),
    ...(await from('publication/publication-bus.js')),
    ...(await from('publication/slot.js')),
    ...(await from('evaluation/checks/facts/index.js')),
    ...(await from('seed.js')),
  } as unknown as Built;
}

/**
 * Frames in the WAL as SQLite's WAL index counts them (mxFrame, offset 16 of
 * the -shm file, native byte order), and the WAL header's salt, which
 * changes when a writer starts the log over after a full checkpoint.
 */
class WalWatch {
  private readonly shm: number;
  private readonly wal: number;
  private readonly buf = Buffer.alloc(8);
  constructor(file: string) {
    this.shm = openSync(`${file}-shm`, 'r');
    this.wal = openSync(`${file}-wal`, 'r');
  }
  read(): { frames: number; salt: string } {
    readSync(this.shm, this.buf, 0, 4, 16);
    const frames = os.endianness() === 'LE' ? this.buf.readUInt32LE(0) : this.buf.readUInt32BE(0);
    readSync(this.wal, this.buf, 0, 8, 16);
    return { frames, salt: this.buf.toString('hex') };
  }
  close(): void {
    closeSync(this.shm);
    closeSync(this.wal);
  }
}

interface Side {
  checkout: string;
  storage: Storage;
  service: PublicationService;
  products: ProductRecord[];
  slotOf: Built['slotOf'];
  wal: WalWatch;
  made: number;
  framesPerCommit: number[];
  cpuUs: number[];
}

async function open(checkout: string, dir: string, index: number): Promise<Side> {
  const built = await load(checkout);
  const file = path.join(dir, `side-${index}.db`);
  const storage = new built.SqliteStorage(file);
  await storage.catalog.upsertProducts(
    built.readSampleCatalog() as Parameters<Storage['catalog']['upsertProducts']>[0],
  );
  const products = (await storage.catalog.listProducts({}, 100, null)).rows;
  const byId = new Map(products.map((p) => [p.id, p]));
  const service = new built.PublicationService({
    store: storage.publication,
    bus: await built.createPublicationBus(),
    products: async (ids: readonly string[]) => ids.map((id) => byId.get(id) ?? null),
    check: built.factChecker(built.defaultFactVocabulary()),
    policy: 'auto',
  });
  return {
    checkout,
    storage,
    service,
    products,
    slotOf: built.slotOf,
    wal: new WalWatch(file),
    made: 0,
    framesPerCommit: [],
    cpuUs: [],
  };
}

function productOf(side: Side, i: number): ProductRecord {
  const product = side.products[i % side.products.length];
  if (!product) throw new Error('the sample catalog is empty');
  return product;
}

const text = (p: ProductRecord, n: number): DescriptionInput =>
  storedDescription(p.id, `Meet the ${p.title}: a versatile piece for everyday wear, take ${n}.`);

async function round(side: Side, calls: number): Promise<void> {
  let frames = 0;
  let cpu = 0;
  for (let i = 0; i < calls; i++) {
    const product = productOf(side, side.made);
    const input = text(product, side.made++);
    const before = side.wal.read();
    const t0 = process.cpuUsage();
    await side.service.storeGenerated(input, product, side.slotOf(product.id, null));
    const used = process.cpuUsage(t0);
    const after = side.wal.read();
    cpu += used.user + used.system;
    frames += after.salt === before.salt && after.frames >= before.frames ? after.frames - before.frames : after.frames;
  }
  side.framesPerCommit.push(frames / calls);
  side.cpuUs.push(cpu / calls);
}

const rounds = option('--rounds', 6);
const calls = option('--calls', 1500);
const dir = mkdtempSync(path.join(os.tmpdir(), 'stylesprint-store-pages-'));
const sides: Side[] = [];
try {
  for (const [i, checkout] of checkouts().entries()) sides.push(await open(checkout, dir, i));
  // Warm-up: every slot already holds a published text and some history, as on a gateway that has run a while.
  for (const side of sides) await round(side, Math.min(calls, 300));
  for (const side of sides) {
    side.framesPerCommit.length = 0;
    side.cpuUs.length = 0;
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      await round(side, calls);
      console.log(
        `round ${r + 1} ${side.checkout}: ${side.framesPerCommit.at(-1)?.toFixed(1)} WAL frames/commit, ${side.cpuUs.at(-1)?.toFixed(0)} µs CPU/call`,
      );
    }
  }
  console.log(`\nmedians over ${rounds} rounds of ${calls} calls:`);
  for (const side of sides) {
    const frames = side.framesPerCommit.map((f) => f.toFixed(1)).join(' ');
    console.log(
      `${side.checkout}: ${median(side.framesPerCommit).toFixed(1)} WAL frames/commit (rounds: ${frames}), ${median(side.cpuUs).toFixed(0)} µs CPU per storeGenerated`,
    );
  }
  const [first, ...rest] = sides;
  if (first)
    for (const side of rest)
      console.log(
        `CPU ratio ${side.checkout} / ${first.checkout}: ${(median(side.cpuUs) / median(first.cpuUs)).toFixed(3)}`,
      );
} finally {
  for (const side of sides) {
    side.wal.close();
    await side.service.close();
    await side.storage.close();
  }
  rmSync(dir, { recursive: true, force: true });
}
