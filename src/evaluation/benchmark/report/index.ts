export { renderHtml } from './html.js';
export { renderMarkdown } from './markdown.js';
export { verdict, ALPHA } from './verdict.js';
export type { ReportInput } from './model.js';
