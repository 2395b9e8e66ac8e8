// Plain-text and Markdown tables for the benchmark scripts.

/** Rows as a Markdown table (a `|` inside a cell is escaped, else it would split the cell). */
export function markdownTable(header, rows) {
  const cell = (c) => String(c).replaceAll('|', '\\|');
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** Prints header and rows as aligned columns. */
export function printTable(header, rows) {
  const w = header.map((h, j) => Math.max(h.length, ...rows.map((r) => String(r[j]).length)));
  const line = (r) => r.map((c, j) => String(c).padEnd(w[j])).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}
