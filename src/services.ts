import type { Config } from './config.js';
import type { Storage } from './storage/types.js';
import { ProductService } from '../schema/product/product.service.js';

/** Services shared by every request for the life of the server. */
export interface Services {
  products: ProductService;
}

export function createServices(config: Config, storage: Storage): Services {
  return {
    products: new ProductService(storage, { maxBytes: config.maxCsvBytes, maxRows: config.maxCsvRows }),
  };
}
