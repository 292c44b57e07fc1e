/**
 * Templates: `{{name}}` or `{{order.number}}` inserts a variable, HTML-escaped in HTML bodies;
 * `{{{name}}}` inserts it raw (HTML bodies only: plain text and subjects are never HTML). A missing
 * variable renders empty and is reported, so a preview shows what a template expects.
 */
export interface RenderedText {
  text: string;
  missingVariables: string[];
}

const VARIABLE = /\{\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}\}|\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

function lookup(data: Record<string, unknown>, path: string): unknown {
  let current: unknown = data;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function renderTemplate(template: string, data: Record<string, unknown>, mode: 'html' | 'text'): RenderedText {
  const missing = new Set<string>();
  const text = template.replace(VARIABLE, (_match, rawPath: string | undefined, escapedPath: string | undefined) => {
    const path = (rawPath ?? escapedPath) as string;
    const value = lookup(data, path);
    if (value === undefined) missing.add(path);
    const rendered = stringify(value);
    return mode === 'html' && rawPath === undefined ? escapeHtml(rendered) : rendered;
  });
  return { text, missingVariables: [...missing] };
}

/** Every variable a template names (for previews and template validation). */
export function listTemplateVariables(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(VARIABLE)) names.add((match[1] ?? match[2]) as string);
  return [...names];
}
