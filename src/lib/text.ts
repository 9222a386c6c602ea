/**
 * Helpers for text that came from outside: log lines, stack events, error messages. Such text
 * may carry terminal escapes that repaint the screen or hide a line, so everything echoed to
 * a person goes through {@link stripControl} first.
 */

// C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidi overrides
// that can make a printed ARN read differently from the bytes it holds.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const ANSI_ESCAPE =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** Removes terminal escape sequences and control characters (keeps tab and newline). */
export function stripControl(text: string): string {
  return text.replace(ANSI_ESCAPE, '').replace(CONTROL, '');
}

/** {@link stripControl} and also folds newlines and tabs into spaces: for one-line fields. */
export function toSingleLine(text: string): string {
  return stripControl(text).replace(/\s+/g, ' ').trim();
}
