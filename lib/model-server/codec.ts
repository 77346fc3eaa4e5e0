/** JSON with typed arrays, for model inputs and outputs crossing HTTP to a standalone server. */

const TAGS = { $f32: Float32Array, $i32: Int32Array, $u8: Uint8Array } as const;
type Tag = keyof typeof TAGS;

export function encode(value: unknown): unknown {
  if (value instanceof Float32Array) return { $f32: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof Int32Array) return { $i32: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof Uint8Array) return { $u8: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  return value;
}

export function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    // Own keys only: `'constructor' in TAGS` is true too.
    if (keys.length === 1 && Object.hasOwn(TAGS, keys[0]) && typeof (value as Record<string, unknown>)[keys[0]] === 'string') {
      const tag = keys[0] as Tag;
      const bytes = Buffer.from((value as Record<string, string>)[tag], 'base64');
      // Copy into a fresh, aligned buffer: a Buffer's offset may not suit a Float32Array.
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      const Type = TAGS[tag];
      return new Type(copy.buffer, 0, copy.byteLength / Type.BYTES_PER_ELEMENT);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  }
  return value;
}
