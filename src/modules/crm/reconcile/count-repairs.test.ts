import { describe, expect, it } from 'vitest';
import { computeCoverage, countPage, judgeRecord } from './count-repairs.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 12, minute));

describe('judgeRecord', () => {
  it('a row holding this version or a newer one had it already (webhook or an earlier run)', () => {
    expect(judgeRecord({ changedAt: at(5), stored: { sourceUpdatedAt: at(5), isDeleted: false }, isChanged: true })).toBe('arrived');
    expect(judgeRecord({ changedAt: at(5), stored: { sourceUpdatedAt: at(6), isDeleted: false }, isChanged: false })).toBe('arrived');
    expect(judgeRecord({ changedAt: at(5), stored: { sourceUpdatedAt: at(1), isDeleted: true }, isChanged: false })).toBe('arrived');
  });

  it('a missing or older row that the listed version changed is a repaired missed webhook', () => {
    expect(judgeRecord({ changedAt: at(5), stored: undefined, isChanged: true })).toBe('repaired');
    expect(judgeRecord({ changedAt: at(5), stored: { sourceUpdatedAt: at(4), isDeleted: false }, isChanged: true })).toBe('repaired');
  });

  it('an older row the CRM rules kept is unapplied, not repaired', () => {
    expect(judgeRecord({ changedAt: at(5), stored: { sourceUpdatedAt: at(4), isDeleted: false }, isChanged: false })).toBe('unapplied');
  });
});

describe('countPage', () => {
  it('counts changes after the previous checkpoint; in the overlap only what had to be repaired', () => {
    const counts = countPage(
      [
        { changedAt: at(1), verdict: 'arrived' },
        { changedAt: at(2), verdict: 'repaired' },
        { changedAt: at(3), verdict: 'arrived' },
        { changedAt: at(4), verdict: 'arrived' },
        { changedAt: at(5), verdict: 'repaired' },
        { changedAt: at(6), verdict: 'unapplied' },
      ],
      at(3),
    );
    expect(counts).toEqual({ listed: 4, repaired: 2, unapplied: 1, highWaterAt: at(6) });
  });

  it('an empty page counts nothing and moves no checkpoint', () => {
    expect(countPage([], at(3))).toEqual({ listed: 0, repaired: 0, unapplied: 0, highWaterAt: null });
  });
});

describe('computeCoverage', () => {
  it('is the share that had arrived by webhook, 1 when nothing changed', () => {
    expect(computeCoverage(0, 0)).toBe(1);
    expect(computeCoverage(4, 1)).toBe(0.75);
    expect(computeCoverage(3, 3)).toBe(0);
  });
});
