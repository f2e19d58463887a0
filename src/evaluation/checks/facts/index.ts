/**
 * The fact check: a product description against the product's own record
 * (materials and composition, colours, sizes, audience, price, claims,
 * garment details, text defects). See docs/fact-check.md.
 */
export { checkFacts, verdictOf, type FactCheckOptions } from './check.js';
export { factCheckColumn, summariseFactChecks, type FactCheckColumn, type FactCheckSummary } from './summary.js';
export {
  CLAIM_CODES,
  FACT_CODES,
  type FactCheckProduct,
  type FactCheckResult,
  type FactCode,
  type FactFinding,
  type FactSeverity,
  type FactVerdict,
} from './types.js';
export {
  compileFactVocabulary,
  defaultFactVocabulary,
  loadFactVocabulary,
  VOCABULARY_FILES,
  type FactVocabulary,
  type VocabularyFileName,
} from './vocabulary.js';
