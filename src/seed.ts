import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { appRoot } from './config.js';
import type { ProductFacts } from '../providers/types.js';
import type { CatalogStore, ProductInput } from './storage/types.js';

export const SAMPLE_CATALOG = path.join(appRoot, 'catalog', 'products.json');

/** One product of a catalog file in the sample catalog's format. */
export interface CatalogEntry {
  sku: string;
  title: string;
  category: string | null;
  gender: string;
  attributes: string[];
  colors: string[];
  sizes: string[];
  materials: string[];
  price: number;
  description: string;
  imageUrl?: string | null;
  /** The 80/20 split the bundled model was trained and scored on (the sample catalog has it). */
  split?: 'train' | 'test';
}

type CatalogFileEntry = Omit<CatalogEntry, 'category' | 'attributes' | 'colors' | 'materials'> &
  Partial<Pick<CatalogEntry, 'category' | 'attributes' | 'colors' | 'materials'>>;

/** The entries of a catalog file; another catalog's file may leave out the category and the lists. */
export function readCatalogEntries(file = SAMPLE_CATALOG): CatalogEntry[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as CatalogFileEntry[]).map((e) => ({
    ...e,
    category: e.category ?? null,
    attributes: e.attributes ?? [],
    colors: e.colors ?? [],
    materials: e.materials ?? [],
  }));
}

/** The facts a prompt may use for a catalog entry: never its reference description. */
export function catalogFacts(e: CatalogEntry): ProductFacts {
  return {
    id: e.sku,
    title: e.title,
    category: e.category,
    attributes: e.attributes,
    colors: e.colors,
    materials: e.materials,
  };
}

export function readSampleCatalog(file = SAMPLE_CATALOG): ProductInput[] {
  return readCatalogEntries(file).map((e) => ({
    sku: e.sku,
    title: e.title,
    category: e.category,
    gender: e.gender,
    attributes: e.attributes,
    colors: e.colors,
    sizes: e.sizes,
    materials: e.materials,
    price: e.price,
    referenceDescription: e.description,
    imageUrl: e.imageUrl ?? null,
  }));
}

/** Loads the sample catalog when the database has no products (first start). */
export async function seedIfEmpty(catalog: CatalogStore, logger: Logger): Promise<number> {
  if ((await catalog.countProducts({})) > 0) return 0;
  if (!existsSync(SAMPLE_CATALOG)) {
    logger.warn({ file: SAMPLE_CATALOG }, 'sample catalog missing; starting with an empty catalog');
    return 0;
  }
  const outcomes = await catalog.upsertProducts(readSampleCatalog());
  logger.info({ products: outcomes.length }, 'loaded the sample catalog into an empty database');
  return outcomes.length;
}
