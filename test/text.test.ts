import { describe, expect, it } from 'vitest';

import { redactSecretLines, redactSecrets, stripControl } from '../src/lib/text.js';

describe('redactSecrets: what a failed build printed, shown without its credentials', () => {
  it.each([
    [
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws_secret_access_key = ***',
    ],
    ['export AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEXAMPLE', 'export AWS_SESSION_TOKEN=***'],
    ['{"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG"}', '{"SecretAccessKey": "***"}'],
    [
      'curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc"',
      'curl -H "Authorization: Bearer ***"',
    ],
    [
      'git clone https://x:ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/acme/app',
      'git clone https://x:***@github.com/acme/app',
    ],
    ['DB_PASSWORD=hunter2hunter2 ./migrate', 'DB_PASSWORD=*** ./migrate'],
    [
      'aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG',
      'aws configure set aws_secret_access_key ***',
    ],
    ['docker login -u AWS -p eyJwYXlsb2FkIjoi https://x', 'docker login -u AWS -p *** https://x'],
    ['echo x | docker login --password-stdin r', 'echo x | docker login --password-stdin r'],
    ['helm repo add --password s3cr3t repo', 'helm repo add --password *** repo'],
    ['mysql -u root -pHunter2Pass app', 'mysql -u root -p*** app'],
    [
      'DATABASE_URL postgres://admin:s3cretpass@db:5432/app',
      'DATABASE_URL postgres://admin:***@db:5432/app',
    ],
    [
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----',
    ],
  ])('masks %j', (line, shown) => {
    expect(redactSecrets(line)).toBe(shown);
  });

  it.each([
    'An error occurred (AccessDenied) when calling the GetObject operation: Access Denied',
    'Running tests: token bucket refills',
    'Using key AKIAIOSFODNN7EXAMPLE',
    '[Container] 2024/08/03 05:12:45 Phase complete: BUILD State: FAILED',
  ])('leaves %j as it is', (line) => {
    expect(redactSecrets(line)).toBe(line);
  });
});

describe('redactSecretLines: a build’s last lines, secrets printed over several lines', () => {
  it('masks a private key’s body line by line, and a bare long base64 line', () => {
    const body = 'MIIEowIBAAKCAQEA7bq8Vn0a5yJ2s9vXk0PqTzQy3Hq8F2c1yQ9mLrN8Y2Z4pWnS';
    expect(
      redactSecretLines([
        'cat deploy_key',
        '-----BEGIN RSA PRIVATE KEY-----',
        body,
        body,
        '-----END RSA PRIVATE KEY-----',
        'make: *** [deploy] Error 1',
        body,
      ]),
    ).toEqual([
      'cat deploy_key',
      '-----BEGIN RSA PRIVATE KEY-----',
      '***',
      '***',
      '-----END RSA PRIVATE KEY-----',
      'make: *** [deploy] Error 1',
      '***',
    ]);
  });
});

describe('stripControl: text from outside, echoed to a terminal', () => {
  it('drops escapes that repaint the screen and bidi overrides, keeps tabs and newlines', () => {
    expect(stripControl('\u001b[2J\u001b]0;pwned\u0007ok\tnext\nline \u202eevil')).toBe(
      'ok\tnext\nline evil',
    );
  });
});
