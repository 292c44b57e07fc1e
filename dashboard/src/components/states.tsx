import type { ComponentChildren } from 'preact';
import type { Grade } from '../types.js';

export function Loading({ what }: { what: string }) {
  return (
    <p class="state state-loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state state-empty">{children}</p>;
}

export function ErrorNotice({ title, message, onRetry }: { title: string; message: string; onRetry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <strong>{title}</strong> {message}
      {onRetry ? (
        <button type="button" class="link-button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

const GRADE_WORDS: Record<Grade, string> = { A: 'excellent', B: 'good', C: 'fair', D: 'poor', E: 'bad', F: 'failing' };

export function GradeBadge({ grade, label }: { grade: Grade | null | undefined; label: string }) {
  if (!grade) return <span class="grade grade-none" title={`${label}: no grade yet`}>no grade</span>;
  return (
    <span class={`grade grade-${grade}`} title={`${label}: ${grade} (${GRADE_WORDS[grade]})`} aria-label={`${label} grade ${grade}, ${GRADE_WORDS[grade]}`}>
      {grade}
    </span>
  );
}

export function LiveIndicator({ status }: { status: 'connecting' | 'live' | 'error' }) {
  const text = status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  return (
    <span class={`live live-${status}`} role="status" aria-live="polite">
      <span class="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}

export function StatusPill({ status }: { status: string }) {
  return <span class={`pill pill-${status.replace(/[^a-z_]/gi, '')}`}>{status.replace(/_/g, ' ')}</span>;
}

export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: string }) {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint ? <div class="stat-hint">{hint}</div> : null}
    </div>
  );
}
