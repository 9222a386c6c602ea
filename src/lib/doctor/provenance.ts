/**
 * What the report says about who wrote a denial's text. A build log is untrusted input: the
 * code under build writes to it and can print any line, the CodeBuild agent's `[Container]`
 * lines included. So `writer` names a shape, never a proof, and every patch a denial would
 * cause carries the advice to confirm it in CloudTrail, whatever the writer. The header, the
 * explanation and a risky patch's reasons take their words from here, so they agree.
 */
import type { LogWriter } from './types.js';

/** How the report's header names the text a denial was read from. */
export function writerLabel(writer: LogWriter): string {
  return writer === 'aws' ? "AWS's format, unverified" : 'build output';
}

/**
 * The explanation's sentence for a denial a patch would grant: where the text came from, and
 * to confirm the denial in CloudTrail before granting anything.
 */
export function grantCaveat(writer: LogWriter): string {
  return writer === 'aws'
    ? "This text is in AWS's format, which proves nothing about who printed it: confirm it in CloudTrail before granting anything."
    : 'This line was printed by the build itself, which the code under build controls: confirm it in CloudTrail before granting anything.';
}

const READ_FROM: Readonly<Record<LogWriter, string>> = {
  build: "the build's own output, which the code under build can forge",
  aws: "text in AWS's format, which proves nothing about who printed it",
};

/**
 * The sentence a risky finding ends with: where the denials behind the risky action were read
 * from, in the header's terms. `writers` holds the writer of each of those denials.
 */
export function riskSourceNote(writers: ReadonlySet<LogWriter>): string {
  const known = (['build', 'aws'] as const).filter((writer) => writers.has(writer));
  // Nothing known about the source is the least trust there is.
  const sources = known.length > 0 ? known : (['build'] as const);
  const from = sources.map((writer) => READ_FROM[writer]).join(', and from ');
  return sources.length > 1
    ? `The denials were read from ${from}: confirm them in CloudTrail before granting them.`
    : `The denial was read from ${from}: confirm it in CloudTrail before granting it.`;
}
