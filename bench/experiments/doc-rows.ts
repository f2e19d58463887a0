/**
 * A rerun of some scenarios through the server updates their rows of the
 * server section in place: a run of one scenario with more runs (to tighten
 * its interval) must not drop the rows of the others, which took most of an
 * hour to measure.
 */

/** What a rerun of one scenario puts in the section. */
export interface RerunRows {
  /** The scenario's name, the first cell of its table row. */
  name: string;
  /** Its table row. */
  row: string;
  /** Its check lines ("- Met …: name: …"). */
  checks: string[];
  /** Its own reproduce line, kept beside the section's. */
  reproduce: string;
}

/** The section's body as writeSection wrote it: what follows the title and the "_Measured …_" line. */
export function sectionBody(doc: string, name: string): string | null {
  const start = `<!-- bench:${name}:start -->`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(`<!-- bench:${name}:end -->`);
  if (i < 0 || j < i) return null;
  const lines = doc.slice(i + start.length, j).split('\n');
  const measured = lines.findIndex((l) => l.startsWith('_Measured '));
  return measured < 0
    ? null
    : lines
        .slice(measured + 1)
        .join('\n')
        .trim();
}

const isCheck = (line: string, name: string): boolean =>
  /^- (Met|\*\*Not met\*\*)/.test(line) && line.includes(` ${name}: `);
const reproducePrefix = (name: string): string => `Reproduce the ${name} row: `;

/**
 * `body` with each rerun scenario's table row and check lines replaced and
 * its reproduce line set; throws when a scenario has no row there, since
 * then there is nothing to keep and the whole section should be rerun.
 */
export function replaceRows(body: string, reruns: readonly RerunRows[]): string {
  let lines = body.split('\n');
  for (const r of reruns) {
    const at = lines.findIndex((l) => l.startsWith(`| ${r.name} |`));
    if (at < 0) throw new Error(`the section has no row of ${r.name}: rerun all its scenarios`);
    lines[at] = r.row;
    const firstCheck = lines.findIndex((l) => isCheck(l, r.name));
    lines = lines.filter((l) => !isCheck(l, r.name));
    const lastCheck = lines.findLastIndex((l) => /^- (Met|\*\*Not met\*\*)/.test(l));
    lines.splice(firstCheck >= 0 ? firstCheck : lastCheck + 1, 0, ...r.checks);
    // Its own paragraph after the section's reproduce line, in place of an earlier rerun's.
    const old = lines.findIndex((l) => l.startsWith(reproducePrefix(r.name)));
    if (old >= 0) lines.splice(old - 1, 2);
    const reproduce = lines.findLastIndex((l) => l.startsWith('Reproduce'));
    lines.splice(reproduce + 1, 0, '', `${reproducePrefix(r.name)}${r.reproduce}`);
  }
  return lines.join('\n');
}
