/**
 * Does a line contain any of a set of literal strings? The question the signature matcher asks of
 * every line of a log, most of which contain none. A regular expression of ~80 alternatives tries
 * every alternative at every position; this is the Wu–Manber multi-string search: look at the
 * 3-character block ending where the shortest needle would end, and skip ahead as far as that block
 * allows (up to the shortest needle's length minus one), so a line is read in steps, not char by char.
 */
const BLOCK = 3;
const HASH_BITS = 18;

// The low 6 bits of each of the block's 3 characters: collisions only cost a shorter skip or a failed comparison.
const blockHash = (text: string, end: number) =>
  ((text.charCodeAt(end - 2) & 0x3f) << 12) | ((text.charCodeAt(end - 1) & 0x3f) << 6) | (text.charCodeAt(end) & 0x3f);

export class NeedleSet {
  private readonly shortest: number;
  private readonly shift: Uint8Array;
  /** Needles by the hash of the block that ends their first `shortest` characters. */
  private readonly candidates = new Map<number, string[]>();

  constructor(needles: readonly string[]) {
    const unique = [...new Set(needles)];
    if (unique.length === 0 || unique.some((needle) => needle.length < BLOCK + 1)) {
      throw new Error(`NeedleSet needs needles of at least ${BLOCK + 1} characters`);
    }
    this.shortest = Math.min(...unique.map((needle) => needle.length));
    const defaultShift = this.shortest - BLOCK + 1;
    this.shift = new Uint8Array(1 << HASH_BITS).fill(Math.min(defaultShift, 255));
    for (const needle of unique) {
      for (let end = BLOCK - 1; end < this.shortest; end++) {
        const hash = blockHash(needle, end);
        const shift = this.shortest - 1 - end;
        if (shift < this.shift[hash]) this.shift[hash] = shift;
      }
      const hash = blockHash(needle, this.shortest - 1);
      const list = this.candidates.get(hash);
      if (list) list.push(needle);
      else this.candidates.set(hash, [needle]);
    }
  }

  /** True when `text` contains at least one needle. */
  test(text: string): boolean {
    return this.find(text) !== -1;
  }

  /** Where the leftmost needle occurrence at or after `from` starts, or -1 (a whole file is searched in one pass). */
  find(text: string, from = 0): number {
    // Locals, not fields, in the loop: it runs once per few characters of a whole file.
    const { shortest, shift: shifts, candidates } = this;
    const last = text.length - 1;
    let end = from + shortest - 1;
    while (end <= last) {
      const hash = blockHash(text, end);
      const shift = shifts[hash];
      if (shift > 0) {
        end += shift;
        continue;
      }
      const start = end - shortest + 1;
      const list = candidates.get(hash);
      if (list) for (const needle of list) if (text.startsWith(needle, start)) return start;
      end += 1;
    }
    return -1;
  }
}
