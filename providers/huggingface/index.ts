export { createHuggingFaceProvider } from './text-generation.js';
export { createHuggingFaceEmbedder, toVectors } from './embeddings.js';
export { HF_DEFAULT_BASE_URL, resolveHuggingFaceSettings, type HuggingFaceProviderOptions } from './api.js';
