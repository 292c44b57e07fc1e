import type { Channel } from './notifications.types.js';
import type { UsageLineRow } from './notifications.repo.js';

/**
 * Monthly rebilling statement, exact in integer cents. Costs are kept per message in millicents
 * (1/1000 cent: an SMS segment costs fractions of a cent); each line (channel, provider, markup)
 * rounds its base once, half up, to cents, and its markup is computed on those cents, half up.
 * Totals are sums of the lines, so the statement always adds up.
 */
export interface StatementLine {
  channel: Channel;
  provider: string;
  messages: number;
  units: number;
  baseCostMillicents: number;
  baseCostCents: number;
  markupBps: number;
  markupCents: number;
  totalCents: number;
}

/** Half-up division of non-negative integers, in integers (no floating point). */
function divideRoundingHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

export function buildStatementLines(rows: readonly UsageLineRow[]): StatementLine[] {
  return rows.map((row) => {
    const baseCents = divideRoundingHalfUp(BigInt(row.baseCostMillicents), 1000n);
    const markupCents = divideRoundingHalfUp(baseCents * BigInt(row.markupBps), 10_000n);
    return {
      channel: row.channel as Channel,
      provider: row.provider,
      messages: row.messages,
      units: row.units,
      baseCostMillicents: row.baseCostMillicents,
      baseCostCents: Number(baseCents),
      markupBps: row.markupBps,
      markupCents: Number(markupCents),
      totalCents: Number(baseCents + markupCents),
    };
  });
}

export function sumStatementLines(lines: readonly StatementLine[]) {
  return lines.reduce(
    (totals, line) => ({
      messages: totals.messages + line.messages,
      units: totals.units + line.units,
      baseCostCents: totals.baseCostCents + line.baseCostCents,
      markupCents: totals.markupCents + line.markupCents,
      totalCents: totals.totalCents + line.totalCents,
    }),
    { messages: 0, units: 0, baseCostCents: 0, markupCents: 0, totalCents: 0 },
  );
}

const CSV_COLUMNS = ['month', 'channel', 'provider', 'messages', 'units', 'base_cost_millicents', 'base_cost_cents', 'markup_bps', 'markup_cents', 'total_cents'] as const;

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV: one row per line, then a TOTAL row. */
export function formatStatementCsv(month: string, lines: readonly StatementLine[]): string {
  const totals = sumStatementLines(lines);
  const rows: (string | number)[][] = [
    [...CSV_COLUMNS],
    ...lines.map((line) => [month, line.channel, line.provider, line.messages, line.units, line.baseCostMillicents, line.baseCostCents, line.markupBps, line.markupCents, line.totalCents]),
    [month, 'TOTAL', '', totals.messages, totals.units, lines.reduce((sum, line) => sum + line.baseCostMillicents, 0), totals.baseCostCents, '', totals.markupCents, totals.totalCents],
  ];
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
