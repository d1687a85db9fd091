// report.mjs - the benchmark's table: rows of cells, `!n` footnotes for flagged cells, extra lines
// printed under the table, and the number formats shared by the scenarios.

export const log = (msg) => process.stderr.write(`bench: ${msg}\n`);
export const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
export const fmtMs = (n) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
export const fmtRatio = (a, b) => (a > 0 && b > 0 ? (a / b).toFixed(2) : '');
export const fmtMb = (n) => (Number.isNaN(n) ? 'n/a' : n.toFixed(1));

export class Report {
  rows = []; // [scenario, Pulse, fsync floor, sink, Pulse/sink, Pulse/floor]
  notes = []; // footnotes of flagged cells
  extra = []; // lines printed under the table

  /** Adds a row; missing cells are empty. The fsync floor's cells come last (few rows have them). */
  row(label, pulse = '', sink = '', ratio = '', floor = '', floorRatio = '') {
    this.rows.push([label, pulse, floor, sink, ratio, floorRatio]);
  }

  /** Appends footnote `text` and returns `cell !n`. */
  flag(cell, text) {
    this.notes.push(text);
    return `${cell} !${this.notes.length}`;
  }

  /** `cell` marked with the latest footnote again (a second cell of the same problem). */
  sameFlag(cell) {
    return `${cell} !${this.notes.length}`;
  }

  /** The table, the footnotes and the extra lines. */
  lines(header) {
    const out = [...table(header, this.rows), ''];
    this.notes.forEach((n, i) => out.push(`!${i + 1} ${n}`));
    out.push(...this.extra);
    return out;
  }
}

function table(header, body) {
  const all = [header, ...body];
  const width = header.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  const line = (r) =>
    `| ${r.map((v, c) => (c === 0 ? String(v).padEnd(width[c]) : String(v).padStart(width[c]))).join(' | ')} |`;
  const rule = `|${width.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)];
}
