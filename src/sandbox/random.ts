const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';

/** Small, fast, seedable PRNG (mulberry32): identical seeds must give identical data sets. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  nextFloat(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  nextInt(minInclusive: number, maxExclusive: number): number {
    return minInclusive + Math.floor(this.nextFloat() * (maxExclusive - minInclusive));
  }

  /** An index into a list of `length` items; one draw, the same one `pick` makes. */
  pickIndex(length: number): number {
    return Math.floor(this.nextFloat() * length);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.pickIndex(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  pickSome<T>(items: readonly T[], maxCount: number): T[] {
    const count = this.nextInt(0, maxCount + 1);
    const chosen = new Set<T>();
    for (let i = 0; i < count; i++) chosen.add(this.pick(items));
    return [...chosen];
  }

  isChance(probability: number): boolean {
    return this.nextFloat() < probability;
  }

  /** GHL (Firestore-style) ids are 20 alphanumeric characters. */
  createGhlId(): string {
    let id = '';
    for (let i = 0; i < 20; i++) id += ALPHANUMERIC.charAt(Math.floor(this.nextFloat() * 62));
    return id;
  }

  /** Invoice, product and price ids are 24-hex Mongo ObjectIds. */
  createObjectId(): string {
    let id = '';
    for (let i = 0; i < 24; i++) id += HEX.charAt(Math.floor(this.nextFloat() * 16));
    return id;
  }

  /** Pipeline stage ids are UUIDs (v4 layout). */
  createUuid(): string {
    let hex = '';
    for (let i = 0; i < 32; i++) hex += HEX.charAt(Math.floor(this.nextFloat() * 16));
    const variant = HEX.charAt(8 + Math.floor(this.nextFloat() * 4));
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}
