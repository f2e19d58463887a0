import { readFileSync, readdirSync } from 'node:fs';

/** The nice value in a /proc stat line: field 19, counted after the name (field 2, in parentheses, may hold spaces). */
function niceOfStat(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** Name and nice value of each thread of a process (Linux: /proc/<pid>/task). */
export function threadNices(pid: number | 'self' = 'self'): Array<{ name: string; nice: number }> {
  const dir = `/proc/${pid}/task`;
  return readdirSync(dir).map((tid) => ({
    name: readFileSync(`${dir}/${tid}/comm`, 'utf8').trim(),
    nice: niceOfStat(readFileSync(`${dir}/${tid}/stat`, 'utf8')),
  }));
}

/** A process's own nice value (its main thread's). */
export function processNice(pid: number | 'self' = 'self'): number {
  return niceOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}
