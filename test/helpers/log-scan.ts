import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** What the scan of a run's logs found. */
export interface LogScan {
  files: number;
  secrets: number;
  /** `graphql request` lines, and how many of them name the key that made them. */
  requestLines: number;
  named: number;
  /** One entry per log file and secret found in it; the secret shown by its first 4 characters only. */
  leaks: Array<{ file: string; secret: string }>;
}

/**
 * Looks for every recorded secret (and `known`, such as the fixed test keys)
 * in every `*.log` under `logDir`. Pure apart from reading the two folders.
 */
export function scanLogs(logDir: string, secretsDir: string, known: Iterable<string> = []): LogScan {
  const secrets = new Set<string>(known);
  if (existsSync(secretsDir)) {
    for (const f of readdirSync(secretsDir))
      for (const s of JSON.parse(readFileSync(path.join(secretsDir, f), 'utf8')) as string[]) secrets.add(s);
  }
  const files = existsSync(logDir) ? readdirSync(logDir).filter((f) => f.endsWith('.log')) : [];
  const scan: LogScan = { files: files.length, secrets: secrets.size, requestLines: 0, named: 0, leaks: [] };
  for (const file of files) {
    const text = readFileSync(path.join(logDir, file), 'utf8');
    for (const secret of secrets)
      if (text.includes(secret)) scan.leaks.push({ file, secret: `${secret.slice(0, 4)}…` });
    for (const line of text.split('\n')) {
      if (!line.includes('"graphql request"')) continue;
      scan.requestLines++;
      if ((JSON.parse(line) as { keyName?: string | null }).keyName) scan.named++;
    }
  }
  return scan;
}

/** The scan's failures as sentences; empty when it passed. */
export function scanFailures(scan: LogScan): string[] {
  const failures = scan.leaks.map((l) => `${l.file} contains a secret (${l.secret})`);
  if (scan.requestLines > 0 && scan.named === 0)
    failures.push(`none of ${scan.requestLines} request log lines names its key`);
  return failures;
}
