import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const benchmarksFile = path.join(repoRoot, 'docs', 'benchmarks.md');

/** One line describing the machine a benchmark ran on. */
export function machineDescription(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.version}`;
}

/**
 * Replace (or append) one named section of docs/benchmarks.md (or of `file`,
 * a doc that carries its own measured section), so that each benchmark owns
 * its part of the file and re-running one leaves the others.
 */
export function writeSection(name: string, title: string, body: string, file: string = benchmarksFile): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  mkdirSync(path.dirname(file), { recursive: true });
  let doc = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmarks\n\nEach section is written by the benchmark named in it; re-run its command to refresh it.\n';
  const section = `${start}\n## ${title}\n\n_Measured ${new Date().toISOString().slice(0, 10)} on ${machineDescription()}._\n\n${body.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  doc = i >= 0 && j > i ? doc.slice(0, i) + section + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, doc);
}
