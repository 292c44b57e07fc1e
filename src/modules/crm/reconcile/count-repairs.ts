/** What one record GHL lists as changed meant for our row. */
export type RecordVerdict = 'arrived' | 'repaired' | 'unapplied';

export interface PageCounts {
  listed: number;
  repaired: number;
  unapplied: number;
  /** The newest change time on the page (null for an empty page). */
  highWaterAt: Date | null;
}

/**
 * arrived: our row already held this version or a newer one (the webhook came, or an earlier run
 * repaired it). repaired: it did not, and applying the listed version changed it (a missed webhook).
 * unapplied: it did not, and the CRM rules kept our row (pending local edits, our own echo, or a
 * version told by delivery time that looks newer).
 */
export function judgeRecord(input: { changedAt: Date; stored: { sourceUpdatedAt: Date; isDeleted: boolean } | undefined; isChanged: boolean }): RecordVerdict {
  const isReflected = input.stored !== undefined && (input.stored.isDeleted || input.stored.sourceUpdatedAt.getTime() >= input.changedAt.getTime());
  if (isReflected) return 'arrived';
  return input.isChanged ? 'repaired' : 'unapplied';
}

/**
 * Counts a page for coverage. Changes after the previous checkpoint all count. Changes at or before it
 * lie in the overlap the run re-reads for clock skew: the previous run has counted them (or they came
 * before the setup sync listed everything), so they count only when this run had to repair them.
 */
export function countPage(records: readonly { changedAt: Date; verdict: RecordVerdict }[], previousCheckpointAt: Date): PageCounts {
  const counts: PageCounts = { listed: 0, repaired: 0, unapplied: 0, highWaterAt: null };
  for (const record of records) {
    if (counts.highWaterAt === null || record.changedAt.getTime() > counts.highWaterAt.getTime()) counts.highWaterAt = record.changedAt;
    const isInOverlap = record.changedAt.getTime() <= previousCheckpointAt.getTime();
    if (isInOverlap && record.verdict !== 'repaired') continue;
    counts.listed += 1;
    if (record.verdict === 'repaired') counts.repaired += 1;
    if (record.verdict === 'unapplied') counts.unapplied += 1;
  }
  return counts;
}

/** Share of the listed changes that had arrived by webhook: (listed − repaired) / listed, 1 when nothing changed. */
export function computeCoverage(listed: number, repaired: number): number {
  return listed === 0 ? 1 : (listed - repaired) / listed;
}
