/**
 * Branch names `git check-ref-format --branch` refuses, one per rule: each once became a
 * pipeline watching a branch nobody can push. Shared by the naming and the command tests.
 */
export const GIT_REFUSED_BRANCHES: readonly string[] = [
  '..',
  '-leading',
  'a b',
  '@',
  '.',
  '/',
  'feat/..',
  'x.lock',
  'a//b',
  'a@{b',
  'a~b',
  'a^b',
  'a:b',
  'a?b',
  'a*b',
  'a[b',
  'a\\b',
  'tab\there',
];
