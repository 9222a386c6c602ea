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

// What a build log shows by accident: `aws configure` echoes, `env` dumps, curl headers, keys.
// Each pattern keeps its label and masks the value, so the line still says what was there.
const SECRET_PATTERNS: readonly RegExp[] = [
  // aws_secret_access_key = …, AWS_SESSION_TOKEN=…, "SecretAccessKey": "…", password: …
  /((?:secret[_-]?access[_-]?key|session[_-]?token|secret|password|passwd|api[_-]?key|token)["']?\s*[:=]\s*["']?)[^\s"',;]{6,}/gi,
  // Authorization: Bearer …, Basic …
  /(\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}/g,
  // GitHub, GitLab and Slack tokens, whatever surrounds them
  /()\b(?:gh[pousr]_[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abpr]-[A-Za-z0-9-]{10,})/g,
  // A PEM private key's body
  /(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(?=-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];

/**
 * Masks the values of credentials a build may have printed (access-key secrets, session
 * tokens, passwords, bearer tokens, GitHub/GitLab/Slack tokens, private keys) before a log line
 * is shown. Access key ids stay: they name a key without granting anything, and a person needs
 * them to find it.
 */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((masked, pattern) => masked.replace(pattern, '$1***'), text);
}
