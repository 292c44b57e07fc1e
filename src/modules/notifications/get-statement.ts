import type { z } from 'zod';
import type { Principal } from '../../platform/http/index.js';
import { succeed, type Result } from '../../platform/result/index.js';
import { withAgency, type AccessError } from './agency-access.js';
import { buildStatementLines, formatStatementCsv, sumStatementLines } from './build-statement.js';
import { sumUsage } from './notifications.repo.js';
import type { statementSchema } from './notifications.schemas.js';
import type { NotificationsDeps } from './notifications.types.js';

type Statement = z.infer<typeof statementSchema>;

/** A calendar month in UTC: [first day 00:00, first day of next month 00:00). */
export function monthRange(month: string): { from: Date; to: Date } {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return { from: new Date(Date.UTC(year, monthNumber - 1, 1)), to: new Date(Date.UTC(year, monthNumber, 1)) };
}

export async function getStatement(deps: Pick<NotificationsDeps, 'database'>, principal: Principal, month: string): Promise<Result<{ statement: Statement; csv: string }, AccessError>> {
  return withAgency(deps, principal, async (tx, companyId) => {
    const { from, to } = monthRange(month);
    const lines = buildStatementLines(await sumUsage(tx, companyId, from, to));
    return succeed({
      statement: { companyId, month, from: from.toISOString(), to: to.toISOString(), lines, totals: sumStatementLines(lines) },
      csv: formatStatementCsv(month, lines),
    });
  });
}
