/** Small stream helpers for the parser tests. */

/** An async iterable over the given chunks, as a stream would deliver them. */
export function streamOf<T>(chunks: Iterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => {
      const iterator = chunks[Symbol.iterator]();
      return { next: () => Promise.resolve(iterator.next()) };
    },
  };
}

/** Cuts bytes into chunks of the given sizes, cycled. */
export function* cut(bytes: Buffer, sizes: number[]): Generator<Buffer> {
  let offset = 0;
  for (let index = 0; offset < bytes.length; index++) {
    const size = Math.max(1, sizes[index % sizes.length] ?? 1);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}
