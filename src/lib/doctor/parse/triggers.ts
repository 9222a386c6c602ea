/**
 * The prefilter: fragments whose presence in raw bytes means a denial may be near. Every
 * denial form carries more than one of them, so a hard wrap that cuts one usually leaves
 * another whole, and a window of text around any hit holds the whole message.
 *
 * Each fragment is at most 6 bytes and starts with a byte that is rare in build logs. Node's
 * `Buffer.indexOf` then runs a `memchr` for the first byte and compares the rest; a longer
 * needle switches to Boyer-Moore-Horspool as soon as its first byte is common (`A` in every
 * `WARN`), which measured eight times slower on a CodeBuild log.
 */

/** The trigger fragments, as searched in raw bytes. */
export const TRIGGERS: readonly string[] = [
  // AccessDenied, AccessDeniedException, S3's "Access Denied".
  'Denied',
  // S3 HEAD requests (no error body), Go SDK `api error Forbidden`.
  'Forbid',
  // IAM's sentence: "User: <principal> is not authorized to perform: …".
  'User: ',
  // The same sentence without the label ("authorized to"), EC2's and STS's wordings.
  'zed to',
  // EC2's UnauthorizedOperation code.
  'Unauth',
  // The reason clause: "identity-based"/"resource-based policy", "with an explicit deny".
  'y-base',
  'xplici',
];

const NEEDLES = TRIGGERS.map((trigger) => Buffer.from(trigger, 'latin1'));

/** How many bytes of the stream before a chunk a trigger can start in and still end in it. */
export const SEAM_BYTES = Math.max(...NEEDLES.map((needle) => needle.length)) - 1;

/**
 * Offsets into `view` of every trigger that ends in `view[from…]`: a search of the new bytes
 * plus the `seam` bytes before them, where a trigger cut between two chunks starts. Ascending.
 */
export function findTriggers(view: Buffer, from: number, seam: number): number[] {
  const start = Math.max(0, from - seam);
  const searched = view.subarray(start);
  const hits: number[] = [];
  for (const needle of NEEDLES) {
    for (let at = searched.indexOf(needle); at !== -1; at = searched.indexOf(needle, at + 1)) {
      // A trigger wholly before `from` was found with the previous bytes.
      if (start + at + needle.length > from) hits.push(start + at);
    }
  }
  return hits.sort((left, right) => left - right);
}
