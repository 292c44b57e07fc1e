/**
 * `npx tsx bench/cpu-profile-top.ts <file.cpuprofile> [--top=25] [--window=fromµs..toµs]` — the top
 * costs of a V8 CPU profile (`node --cpu-prof`), as self time per function and as total time per
 * package/area (a function's samples counted once for every distinct area on its stack), in markdown
 * tables. `--window` keeps the samples of one span of the monotonic clock (bench:ingest prints each
 * phase's span when it profiles the service).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const path = args.find((arg) => !arg.startsWith('--'));
const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
if (!path) throw new Error('usage: tsx bench/cpu-profile-top.ts <file.cpuprofile> [--top=25] [--window=from..to]');
const top = Number(option('top') ?? 25);
const [windowFrom, windowTo] = (option('window') ?? '0..Infinity').split('..').map(Number) as [number, number];
const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nodeModule = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nodeModule) return nodeModule[1] as string;
  if (url.startsWith('node:')) return url;
  const repo = /\/(src|bench|test)\/(.+)$/.exec(url);
  if (repo) return `${repo[1]}/${repo[2]}`;
  return url;
}

const selfMs = new Map<string, number>();
const areaMs = new Map<string, number>();
let totalMs = 0;
let clock = profile.startTime;
profile.samples.forEach((sampleId, index) => {
  clock += profile.timeDeltas[index] ?? 0;
  if (clock < windowFrom || clock > windowTo) return;
  const ms = (profile.timeDeltas[index] ?? 0) / 1000;
  totalMs += ms;
  const node = byId.get(sampleId);
  if (!node) return;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${areaOf(url, functionName)}${url ? `:${lineNumber + 1}` : ''}`;
  selfMs.set(key, (selfMs.get(key) ?? 0) + ms);
  const seen = new Set<string>();
  for (let current: ProfileNode | undefined = node; current; current = byId.get(parentOf.get(current.id) ?? -1)) {
    const area = areaOf(current.callFrame.url, current.callFrame.functionName);
    if (seen.has(area)) continue;
    seen.add(area);
    areaMs.set(area, (areaMs.get(area) ?? 0) + ms);
  }
});

const idleMs = [...selfMs.entries()].filter(([key]) => key.startsWith('(idle)')).reduce((sum, [, ms]) => sum + ms, 0);
const busyMs = totalMs - idleMs;
const pct = (ms: number) => `${((ms / busyMs) * 100).toFixed(1)}%`;
console.log(`${path}: ${(totalMs / 1000).toFixed(1)} s sampled, ${(busyMs / 1000).toFixed(1)} s busy (shares below are of busy time)\n`);
console.log('| self | function (area:line) |\n| ---: | --- |');
for (const [key, ms] of [...selfMs.entries()].filter(([key]) => !key.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${pct(ms)} | ${key} |`);
console.log('\n| total | area (package, node: module or repository file) |\n| ---: | --- |');
for (const [area, ms] of [...areaMs.entries()].filter(([area]) => area !== '(idle)' && area !== '(root)').sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${pct(ms)} | ${area} |`);
