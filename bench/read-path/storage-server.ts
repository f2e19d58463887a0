/**
 * The mobile app's product page served by the storage layer alone: one HTTP
 * server in one process that reads the page and its published descriptions
 * (the base slot's) through the same SQLite stores the gateway uses and
 * writes the same JSON, with no GraphQL, no key, no limits and no cache.
 * The read-path benchmark's baseline.
 *
 *   DATABASE_PATH=… PORT=… node dist/bench/read-path/storage-server.js
 */
import http from 'node:http';
import { SqliteStorage } from '../../src/storage/index.js';
import { encodeCursor } from '../../src/catalog/product.service.js';
import { sameSlot, slotOf } from '../../src/publication/slot.js';

const storage = new SqliteStorage(process.env.DATABASE_PATH ?? '');
const PAGE_SIZE = Number(process.env.PAGE_SIZE ?? 20);

/** The same answer as MobileProductPage's data for `first: PAGE_SIZE`. */
async function page(): Promise<string> {
  const { rows, hasNextPage } = await storage.catalog.listProducts({}, PAGE_SIZE, null);
  const published = await storage.publication.publishedForProducts(rows.map((p) => p.id));
  const edges = rows.map((p) => {
    const live = published.find((e) => sameSlot(e.state.slot, slotOf(p.id, null)));
    return {
      node: {
        id: p.id,
        title: p.title,
        price: p.price,
        imageUrl: p.imageUrl,
        description: live ? { text: live.version.text } : null,
      },
    };
  });
  const last = rows.at(-1);
  return JSON.stringify({
    data: { products: { pageInfo: { hasNextPage, endCursor: last ? encodeCursor(last.seq) : null }, edges } },
  });
}

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url === '/ready') return void res.end('ok');
    page().then(
      (body) =>
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
// Keep-alive connections from the load generator would hold close() open; nothing here needs a drain.
process.on('SIGTERM', () => process.exit(0));
