/**
 * The prefilter: fragments whose presence in raw bytes means a denial may be near. Every
 * denial form carries several of them, far enough apart that a hard wrap at any one column
 * leaves at least one whole. Each fragment starts with a byte that is rare in build logs
 * (an upper-case letter, `z`): `Buffer.indexOf` skips with `memchr` on the first byte, so
 * such fragments are searched at memory speed.
 */

/** The trigger fragments, as searched in raw bytes. */
export const TRIGGERS: readonly string[] = [
  // AccessDenied, AccessDeniedException, S3's "Access Denied".
  'Denied',
  // S3 HEAD requests (no error body), Go SDK `api error Forbidden`.
  'Forbidden',
  // IAM's sentence: "User: <principal> is not authorized to perform: …".
  'User: ',
  // The same sentence without the label, EC2's and STS's wordings.
  'zed to perform',
  // EC2's UnauthorizedOperation code.
  'Unauthorized',
];

const NEEDLES = TRIGGERS.map((trigger) => Buffer.from(trigger, 'latin1'));

/** How many bytes of the stream before a chunk a trigger can start in and still end in it. */
export const SEAM_BYTES = Math.max(...NEEDLES.map((needle) => needle.length)) - 1;

/**
 * Offsets (into `chunk`) of every trigger in `chunk`, including one that starts in `tail` (the
 * last {@link SEAM_BYTES} bytes of the stream before the chunk) and ends in `chunk`, reported at
 * offset 0. In ascending order.
 */
export function findTriggers(chunk: Buffer, tail: Buffer): number[] {
  const hits: number[] = [];
  for (const needle of NEEDLES) {
    for (let at = chunk.indexOf(needle); at !== -1; at = chunk.indexOf(needle, at + 1)) {
      hits.push(at);
    }
  }

  if (tail.length > 0) {
    const seam = Buffer.concat([tail, chunk.subarray(0, SEAM_BYTES)]);
    for (const needle of NEEDLES) {
      for (let at = seam.indexOf(needle); at !== -1; at = seam.indexOf(needle, at + 1)) {
        if (at < tail.length && at + needle.length > tail.length) hits.push(0);
      }
    }
  }
  return hits.sort((left, right) => left - right);
}
