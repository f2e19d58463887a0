/**
 * Small functions (STYLE: small files, small functions): no function in
 * src/, schema/ or providers/ runs over MAX_LINES lines, counted from its
 * first token (decorators included) to its closing brace. A function
 * nested in another counts in its own right and inside its parent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../helpers/paths.js';

const MAX_LINES = 80;
const FOLDERS = ['src', 'schema', 'providers'];

/**
 * Known offenders, by "file: name", waiting for a split: none is left (the
 * five that Prettier's layout took over were split), and none joins the list.
 */
const NOT_YET_SPLIT = new Set<string>([]);

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** A function's name as a reader finds it: its own, the variable or property it is assigned to, or "(anonymous)". */
function nameOf(node: ts.SignatureDeclaration, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
    return parent.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  return '(anonymous)';
}

interface FunctionSpan {
  /** "file: outer > inner" */
  id: string;
  lines: number;
  at: string;
}

/** Every function with a body in `file`, with its length in lines. */
function functionSpans(file: string, text: string): FunctionSpan[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node, outer: string[]): void => {
    let names = outer;
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      names = [...outer, nameOf(node, source)];
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      spans.push({ id: `${file}: ${names.join(' > ')}`, lines: last - first + 1, at: `${file}:${first + 1}` });
    }
    ts.forEachChild(node, (child) => visit(child, names));
  };
  visit(source, []);
  return spans;
}

test(`no function in ${FOLDERS.join('/, ')}/ is longer than ${MAX_LINES} lines`, (t) => {
  const spans = FOLDERS.flatMap((folder) => tsFiles(path.join(repoRoot, folder))).flatMap((full) =>
    functionSpans(path.relative(repoRoot, full).split(path.sep).join('/'), readFileSync(full, 'utf8')),
  );
  assert.ok(spans.length > 1000, `only ${spans.length} functions found`);
  const long = spans.filter((s) => s.lines > MAX_LINES);
  const offenders = long
    .filter((s) => !NOT_YET_SPLIT.has(s.id))
    .map((s) => `${s.at} ${s.id.split(': ')[1]}: ${s.lines} lines`);
  assert.deepEqual(offenders, [], `split these functions (at most ${MAX_LINES} lines each)`);
  // A listed function that was split (or renamed) no longer needs its place on the list.
  for (const id of NOT_YET_SPLIT)
    if (!long.some((s) => s.id === id))
      t.diagnostic(`${id} is no longer over ${MAX_LINES} lines: take it off NOT_YET_SPLIT`);
});

test('the length check counts a long function, a long nested arrow and a long method, and nothing short', () => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const text = [
    `export function long() {\n${body(MAX_LINES - 1)}\n}`,
    `export function short() {\n${body(3)}\n}`,
    `export const outer = () => {\n  const inner = () => {\n${body(MAX_LINES)}\n  };\n  return inner;\n};`,
    `class Service {\n  method(): void {\n${body(MAX_LINES)}\n  }\n}`,
  ].join('\n');
  const long = functionSpans('x.ts', text)
    .filter((s) => s.lines > MAX_LINES)
    .map((s) => `${s.id} (${s.lines})`);
  assert.deepEqual(long, [
    `x.ts: long (${MAX_LINES + 1})`,
    `x.ts: outer (${MAX_LINES + 5})`,
    `x.ts: outer > inner (${MAX_LINES + 2})`,
    `x.ts: method (${MAX_LINES + 2})`,
  ]);
});
