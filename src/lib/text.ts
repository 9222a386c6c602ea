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

// What a build log shows by accident: `aws configure` echoes, `env` dumps, curl headers, keys,
// database URLs. Each pattern keeps its label and masks the value, so the line still says what
// was there.
const SECRET_PATTERNS: readonly (readonly [RegExp, string])[] = [
  // aws_secret_access_key = …, AWS_SESSION_TOKEN=…, "SecretAccessKey": "…", password: …
  [
    /((?:secret[_-]?access[_-]?key|session[_-]?token|secret|password|passwd|api[_-]?key|token)["']?\s*[:=]\s*["']?)[^\s"',;]{6,}/gi,
    '$1***',
  ],
  // `aws configure set aws_secret_access_key VALUE`: the AWS key names, space-separated
  [/(\b(?:aws_secret_access_key|aws_session_token)\s+)[^\s"']{6,}/gi, '$1***'],
  // --password VALUE, --password=VALUE (not --password-stdin), docker login -p VALUE
  [/(--password(?:=|\s+))[^\s"']+/g, '$1***'],
  [/(\bdocker\s+login\b[^\n]*?\s-p\s+)[^\s"']+/g, '$1***'],
  // mysql -pSECRET (the password is glued to the flag)
  [/(\bmysql(?:dump|admin)?\b[^\n]*?\s-p)[^\s"']+/g, '$1***'],
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(@)/gi, '$1***$2'],
  // Authorization: Bearer …, Basic …
  [/(\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}/g, '$1***'],
  // GitHub, GitLab and Slack tokens, whatever surrounds them
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abpr]-[A-Za-z0-9-]{10,})/g, '***'],
  // A PEM private key's body, when the whole block is in one text
  [/(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]+?(?=-----END [A-Z ]*PRIVATE KEY-----|$)/g, '$1***'],
];

const KEY_BEGIN = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const KEY_END = /-----END [A-Z ]*PRIVATE KEY-----/;
// A line that is nothing but a long base64 run: a key or token body, shown as such.
const BASE64_LINE = /^\s*[A-Za-z0-9+/]{60,}={0,2}\s*$/;

/**
 * Masks the values of credentials a build may have printed (access-key secrets, session
 * tokens, passwords, bearer tokens, GitHub/GitLab/Slack tokens, database URLs, private keys)
 * before a log line is shown. Access key ids stay: they name a key without granting anything,
 * and a person needs them to find it.
 */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce(
    (masked, [pattern, replacement]) => masked.replace(pattern, replacement),
    text,
  );
}

/**
 * {@link redactSecrets} over consecutive lines, which also masks the body of a private key
 * printed over several lines, and any line that is only a long base64 run.
 */
export function redactSecretLines(lines: readonly string[]): string[] {
  let inKey = false;
  return lines.map((line) => {
    if (inKey) {
      inKey = !KEY_END.test(line);
      return inKey ? '***' : line;
    }
    if (KEY_BEGIN.test(line) && !KEY_END.test(line)) inKey = true;
    return BASE64_LINE.test(line) ? '***' : redactSecrets(line);
  });
}
