/** Every number on screen carries its unit; missing values say so in words. */

const NONE = '—';

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? NONE : value.toLocaleString('en-US');
}

export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined) return NONE;
  if (perSecond === 0) return '0 /s';
  if (perSecond < 0.1) return `${(perSecond * 60).toFixed(1)} /min`;
  return `${perSecond < 10 ? perSecond.toFixed(2) : perSecond.toFixed(0)} /s`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return NONE;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

export function formatSeconds(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? NONE : formatMs(seconds * 1000);
}

export function formatPercent(percent: number | null | undefined, digits = 1): string {
  return percent === null || percent === undefined ? NONE : `${percent.toFixed(digits)} %`;
}

/** Axis labels: whole percents, one decimal below 10 % when needed (0.5 %, not a second "1 %"). */
export function formatAxisPercent(percent: number): string {
  return formatPercent(percent, percent < 10 && !Number.isInteger(percent) ? 1 : 0);
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return NONE;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? NONE : date.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'medium' });
}

export function formatClock(iso: string, withDate = false): string {
  const date = new Date(iso);
  return date.toLocaleString('en-US', withDate ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false } : { hour: '2-digit', minute: '2-digit', hour12: false });
}

export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return NONE;
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (Math.abs(seconds) < 60) return seconds >= 0 ? `${seconds} s ago` : `in ${-seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 120) return minutes >= 0 ? `${minutes} min ago` : `in ${-minutes} min`;
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return hours >= 0 ? `${hours} h ago` : `in ${-hours} h`;
  const days = Math.round(hours / 24);
  return days >= 0 ? `${days} days ago` : `in ${-days} days`;
}

export function titleCase(text: string): string {
  return text.length === 0 ? text : text[0]?.toUpperCase() + text.slice(1).replace(/[_-]/g, ' ');
}
