import { formatSpread, type Spread } from './stats.js';

/** A result row: the median is the figure (and what the verdict judges), min–max its spread. */
export interface Row {
  measure: string;
  value: string;
  spread: string;
  load: string;
  goal: string;
  result: string;
}

export function figure(measure: string, spread: Spread, decimals: number, load: string, goal = '', meets?: (value: number) => boolean): Row {
  const result = meets ? (meets(spread.median) ? 'ok' : 'MISSED') : '';
  return { measure, value: spread.median.toFixed(decimals), spread: formatSpread(spread, decimals), load, goal, result };
}

export function note(measure: string, value: string, load: string, goal = '', ok?: boolean): Row {
  return { measure, value, spread: '', load, goal, result: ok === undefined ? '' : ok ? 'ok' : 'MISSED' };
}

const HEADINGS: Row = { measure: 'measure', value: 'median', spread: 'min–max (runs)', load: 'load start→end', goal: 'goal', result: 'result' };
const COLUMNS = Object.keys(HEADINGS) as Array<keyof Row>;

/** A markdown table with aligned columns. */
export function renderTable(rows: Row[]): string {
  const widths = COLUMNS.map((column) => Math.max(...[HEADINGS, ...rows].map((row) => row[column].length)));
  const line = (row: Row) => `| ${COLUMNS.map((column, index) => row[column].padEnd(widths[index]!)).join(' | ')} |`;
  return [line(HEADINGS), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
