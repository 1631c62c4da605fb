// Strings encoded one after another into one buffer. A parse thread hands a batch's stable JSON to the
// main thread this way: one transferred ArrayBuffer instead of five hundred cloned strings that the
// main thread would hold on its heap through the commit and then encode to UTF-8 again for PostgreSQL.

const encoder = new TextEncoder();

/** Where one string's bytes lie in the pack. */
export type PackedRange = { offset: number; length: number };

export class Utf8Pack {
  private bytes: Uint8Array;
  private used = 0;

  /** `capacity`: a first guess of the bytes needed; the pack grows if it is short. */
  constructor(capacity: number) {
    this.bytes = new Uint8Array(new ArrayBuffer(Math.max(1024, Math.ceil(capacity))));
  }

  /** Appends `text` as UTF-8 and says where it went. */
  add(text: string): PackedRange {
    for (;;) {
      const free = this.bytes.subarray(this.used);
      const { read, written } = encoder.encodeInto(text, free);
      if (read === text.length) {
        const offset = this.used;
        this.used += written;
        return { offset, length: written };
      }
      // Short (encodeInto never splits a character, so what it wrote is simply written again).
      this.grow(this.used + text.length * 3);
    }
  }

  /** The bytes of an added string, as they are now (a later add may move the pack). */
  view(range: PackedRange): Uint8Array {
    return this.bytes.subarray(range.offset, range.offset + range.length);
  }

  /** The buffer holding every added string at its range; the pack must not be used after this. */
  finish(): ArrayBuffer {
    return this.bytes.buffer as ArrayBuffer;
  }

  private grow(atLeast: number): void {
    const next = new Uint8Array(new ArrayBuffer(Math.max(atLeast, this.bytes.byteLength * 2)));
    next.set(this.bytes.subarray(0, this.used));
    this.bytes = next;
  }
}
