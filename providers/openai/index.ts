export { createOpenAIProvider, mapFinishReason } from './chat.js';
export { createOpenAIEmbedder } from './embeddings.js';
export {
  OPENAI_DEFAULT_BASE_URL,
  OPENAI_PLACEHOLDER_KEY,
  resolveOpenAISettings,
  type OpenAIProviderOptions,
} from './api.js';
