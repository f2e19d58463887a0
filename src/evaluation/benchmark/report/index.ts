export { renderHtml } from './html.js';
export { renderMarkdown } from './markdown.js';
export { verdict } from './verdict.js';
export { recommend, ALPHA, RULE, type Recommendation, type Standing } from './recommend.js';
export {
  buildReport,
  type CheckColumn,
  type ReportInput,
  type Report,
  type ModelReport,
  type SkippedProvider,
} from './model.js';
