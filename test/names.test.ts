import { runSimulation } from '@cloud-copilot/iam-simulate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { InputError } from '../src/lib/errors.js';
import { branchNameProblem } from '../src/lib/git.js';
import {
  branchArns,
  branchNames,
  branchSlug,
  checkName,
  delegatedPatterns,
  globalArns,
  globalNames,
  resolvePattern,
  slugBudget,
  TEMPLATE_ENV,
  validatePrefix,
  type AwsEnv,
} from '../src/lib/names.js';
import { stripControl } from '../src/lib/text.js';
import { iamMatches } from './security/iam-match.js';
import { GIT_REFUSED_BRANCHES } from './support/branches.js';

const ENV: AwsEnv = { partition: 'aws', accountId: '123456789012', region: 'us-east-1' };
const GOV: AwsEnv = { partition: 'aws-us-gov', accountId: '210987654321', region: 'us-gov-west-1' };
const LONGEST: AwsEnv = { partition: 'aws', accountId: '999999999999', region: 'us-isof-south-1' };
const ENVS = [ENV, GOV, LONGEST];
const PREFIXES = ['aiproxy', 'ab', 'team-app-1234567'];

/** Branch names people actually push, and the ones built to cause trouble. */
const TRICKY = [
  'main',
  'Main',
  'MAIN',
  'feature/Login_Fix-2',
  'feature/login-fix-2',
  'feature-login-fix-2',
  'feature_login_fix_2',
  'feature.login.fix.2',
  'release/1.2.3',
  '123-hotfix',
  'global',
  'Global',
  'global-',
  'global-fix',
  'globalfix',
  'b-global',
  'x',
  'x-cicd',
  'x-app',
  'x-cicd-app',
  'x-app-cicd',
  'x-pipeline',
  'x-build',
  'fix-deadbeef',
  '_/_/_',
  'a/-/-',
  'fëature',
  '日本語/機能',
  'a@b',
  'x.lock.y',
  "fix/it's",
  'feature',
  'a'.repeat(300),
  'a'.repeat(301),
  `${'a'.repeat(40)}-x`,
  `${'a'.repeat(40)}-y`,
  'dependabot/npm_and_yarn/aws-sdk/client-s3-3.600.0',
];

/** The string fields of a names or ARNs record. */
function stringsOf(record: object, skip: string[] = []): string[] {
  return Object.entries(record)
    .filter(([key]) => !skip.includes(key))
    .map(([, value]: [string, unknown]) => value)
    .filter((value): value is string => typeof value === 'string');
}

/** Every name and ARN a branch yields, concrete. */
function everythingOf(branch: string, prefix: string, env: AwsEnv): string[] {
  const names = branchNames(branch, { prefix, env });
  const arns = branchArns(branch, { prefix, env });
  return [...stringsOf(names, ['branch', 'slug', 'iamPath']), ...stringsOf(arns)];
}

function globalEverything(prefix: string, env: AwsEnv): string[] {
  const names = globalNames(prefix, env);
  const arns = globalArns(prefix, env);
  const exact = [
    `arn:${env.partition}:cloudformation:${env.region}:${env.accountId}:stack/${names.stackName}/0b5e5c70-1d1a-11ef-9f5a-0a3c3b0f7e21`,
    arns.executionRole,
    arns.pipelineRole,
    arns.boundaryPolicy,
    arns.developerPolicy,
    arns.versionParameter,
  ];
  return [...exact, ...stringsOf(names, ['prefix', 'iamPath']), ...stringsOf(names.exports)];
}

describe('validatePrefix', () => {
  it.each(['aiproxy', 'ab', 'team-app', 'a1-b2'])('accepts %s', (prefix) => {
    expect(validatePrefix(prefix)).toBe(prefix);
  });

  it.each([
    ['', 'characters long'],
    ['a', 'characters long'],
    ['a'.repeat(17), 'characters long'],
    ['Aiproxy', 'lowercase'],
    ['1app', 'starting with a letter'],
    ['app--x', 'single hyphens'],
    ['app_x', 'lowercase letters'],
    ['app-', 'single hyphens'],
    ['global', 'must not end with "global"'],
    ['team-global', 'must not end with "global"'],
    ['aws', 'reserved'],
    ['aws-tools', 'reserved'],
    ['amzn', 'reserved'],
  ])('rejects %j', (prefix, message) => {
    expect(() => validatePrefix(prefix)).toThrow(InputError);
    expect(() => validatePrefix(prefix)).toThrow(message);
  });

  it('defaults to aiproxy', () => {
    expect(validatePrefix()).toBe('aiproxy');
  });
});

describe('branchSlug', () => {
  it.each([
    ['main', 'main'],
    ['x-cicd', 'x-cicd'],
    ['123-hotfix', '123-hotfix'],
    ['feature-login-fix-2', 'feature-login-fix-2'],
  ])('keeps the clean branch %s as it is', (branch, slug) => {
    expect(branchSlug(branch)).toBe(slug);
  });

  it.each([
    ['Main', /^main-[0-9a-f]{8}$/],
    ['feature/Login_Fix-2', /^feature-login-fix-[0-9a-f]{8}$/],
    ['release/1.2.3', /^release-1-2-3-[0-9a-f]{8}$/],
    ['global', /^b-global-[0-9a-f]{8}$/],
    ['global-fix', /^b-global-fix-[0-9a-f]{8}$/],
    ['globalfix', /^b-globalfix-[0-9a-f]{8}$/],
    ['fix-deadbeef', /^fix-deadbeef-[0-9a-f]{8}$/],
    ['_/_', /^branch-[0-9a-f]{8}$/],
    ['日本語', /^branch-[0-9a-f]{8}$/],
    ['fëature', /^f-ature-[0-9a-f]{8}$/],
  ])('changes %j and marks it with a hash', (branch, shape) => {
    expect(branchSlug(branch)).toMatch(shape);
  });

  it('shortens a long branch to the budget, keeping a hash', () => {
    // Given a branch far longer than any name allows
    const branch = `feature/${'very-long-'.repeat(30)}name`;

    // When it becomes a slug
    const slug = branchSlug(branch);

    // Then it fits and still starts readably
    expect(slug.length).toBeLessThanOrEqual(slugBudget('aiproxy'));
    expect(slug).toMatch(/^feature-very-long.*-[0-9a-f]{8}$/);
  });

  it('is stable: the same branch always gives the same slug', () => {
    expect(branchSlug('feature/Login_Fix-2')).toBe(branchSlug('feature/Login_Fix-2'));
  });

  it('is a hash of the whole name, so long branches differing only at the end differ', () => {
    expect(branchSlug(`${'a'.repeat(40)}-x`)).not.toBe(branchSlug(`${'a'.repeat(40)}-y`));
  });

  it.each(['', '   '])('refuses the empty branch %j', (branch) => {
    expect(() => branchSlug(branch)).toThrow(InputError);
  });

  it.each([...GIT_REFUSED_BRANCHES, 'x\u001b]0;pwned\u0007', '///', '---'])(
    'refuses %j, a name git would refuse, as INVALID_BRANCH',
    (branch) => {
      expect(() => branchSlug(branch)).toThrow(
        expect.objectContaining({ code: 'INVALID_BRANCH', exitCode: 2 }),
      );
      expect(() => branchNames(branch, { env: ENV })).toThrow(/is not one git allows/);
    },
  );
});

describe('branchNames', () => {
  it('names the pieces of a branch in the template form', () => {
    const names = branchNames('feature/Login_Fix-2');
    const slug = names.slug;

    expect(names).toMatchObject({
      pipelineStackName: `aiproxy-${slug}-cicd`,
      appStackName: `aiproxy-${slug}-app`,
      iamPath: '/aiproxy/',
      buildRoleName: `aiproxy-${slug}-build-\${AWS::Region}`,
      artifactBucketName: `aiproxy-${slug}-\${AWS::AccountId}-\${AWS::Region}`,
      repositoryName: `aiproxy/${slug}`,
      buildProjectName: `aiproxy-${slug}-build`,
      buildLogGroupName: `/aws/codebuild/aiproxy-${slug}-build`,
      pipelineName: `aiproxy-${slug}-pipeline`,
      parameterPath: `/aiproxy/${slug}/`,
      secretPath: `/aiproxy/${slug}/`,
    });
  });

  it('gives concrete names for a concrete account and region', () => {
    const names = branchNames('main', { env: ENV });

    expect(names.artifactBucketName).toBe('aiproxy-main-123456789012-us-east-1');
    expect(branchArns('main', { env: ENV }).buildRole).toBe(
      'arn:aws:iam::123456789012:role/aiproxy/aiproxy-main-build-us-east-1',
    );
  });

  it('refuses a prefix whose bucket name AWS forbids', () => {
    // S3 reserves the `sthree-` start for its own access points.
    expect(() => branchNames('main', { prefix: 'sthree' })).toThrow(/s3-bucket name/);
  });

  it('refuses a malformed account id', () => {
    expect(() => branchNames('main', { env: { ...ENV, accountId: '1234' } })).toThrow(InputError);
  });
});

describe('checkName', () => {
  it('measures placeholders at their longest values', () => {
    // `${AWS::Region}` is 14 characters as text but up to 15 as a region.
    const name = `${'r'.repeat(49)}-\${AWS::Region}`;

    expect(() => checkName('iam-role', name)).toThrow(/65 characters; AWS allows 64/);
  });

  it.each([
    ['stack', '1abc'],
    ['s3-bucket', 'Upper-case'],
    ['s3-bucket', 'a..b'],
    ['ecr-repository', 'a//b'],
    ['connection', 'x'.repeat(33)],
  ] as const)('rejects the %s name %j', (kind, name) => {
    expect(() => checkName(kind, name)).toThrow(InputError);
  });
});

describe('global names', () => {
  it('puts every global piece under <p>-global, with the region in IAM names', () => {
    const names = globalNames('aiproxy', ENV);

    expect(names.stackName).toBe('aiproxy-global');
    expect(names.iamPath).toBe('/aiproxy-global/');
    expect(names.executionRoleName).toBe('aiproxy-global-cfn-exec-us-east-1');
    expect(names.versionParameterName).toBe('/aiproxy-global/version');
    expect(globalArns('aiproxy', ENV).boundaryPolicy).toBe(
      'arn:aws:iam::123456789012:policy/aiproxy-global/aiproxy-global-workload-boundary-us-east-1',
    );
  });

  it('uses the same template strings that resolve to the concrete names', () => {
    const template = globalArns('aiproxy', TEMPLATE_ENV).executionRole;

    expect(resolvePattern(template, ENV)).toBe(globalArns('aiproxy', ENV).executionRole);
  });
});

describe('disjointness', () => {
  it.each(PREFIXES.flatMap((prefix) => ENVS.map((env) => [prefix, env] as const)))(
    'no global ARN of %s matches any delegated pattern (%o)',
    (prefix, env) => {
      const patterns = stringsOf(delegatedPatterns(prefix, env));
      const globals = globalEverything(prefix, env);

      const overlaps = globals.flatMap((arn) =>
        patterns.filter((pattern) => iamMatches(pattern, arn)).map((p) => `${p} ~ ${arn}`),
      );

      expect(overlaps).toEqual([]);
    },
  );

  it('would notice an overlap: the old name-prefix design matched the global stack', () => {
    // `stack/aiproxy*` was the earlier draft's pattern (SECURITY-DESIGN §4).
    const oldPattern = 'arn:aws:cloudformation:us-east-1:123456789012:stack/aiproxy*';

    expect(iamMatches(oldPattern, globalArns('aiproxy', ENV).stack.replace('*', 'id'))).toBe(true);
  });

  it.each(TRICKY)(
    'the branch %j yields only delegated names, matched by delegated patterns',
    (branch) => {
      const globalPatterns = globalArns('aiproxy', ENV).all;
      const globals = new Set(globalEverything('aiproxy', ENV));
      const arns = branchArns(branch, { env: ENV });
      const delegated = stringsOf(delegatedPatterns('aiproxy', ENV));

      for (const value of everythingOf(branch, 'aiproxy', ENV)) {
        expect(globals.has(value)).toBe(false);
        expect(globalPatterns.filter((pattern) => iamMatches(pattern, value))).toEqual([]);
        expect(value.startsWith('aiproxy-global')).toBe(false);
      }
      for (const arn of stringsOf(arns)) {
        const concrete = arn.replace(/\*$/, 'x');
        expect(
          delegated.some((pattern) => iamMatches(pattern, concrete)),
          arn,
        ).toBe(true);
      }
    },
  );

  it('no two tricky branches share any name, whatever its kind', () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];

    for (const branch of TRICKY) {
      for (const value of new Set(everythingOf(branch, 'aiproxy', ENV))) {
        const other = owner.get(value);
        if (other !== undefined) clashes.push(`${value}: ${other} / ${branch}`);
        owner.set(value, branch);
      }
    }

    expect(clashes).toEqual([]);
  });
});

describe('the wildcard matcher the disjointness proof uses', () => {
  // Cross-checked against the policy simulator, so the proof rests on IAM's semantics.
  it.each([
    ['arn:aws:iam::123456789012:role/aiproxy/*', 'arn:aws:iam::123456789012:role/aiproxy-global/x'],
    ['arn:aws:iam::123456789012:role/aiproxy/*', 'arn:aws:iam::123456789012:role/aiproxy/x'],
    ['arn:aws:iam::123456789012:role/aiproxy*', 'arn:aws:iam::123456789012:role/aiproxy-global/x'],
    ['arn:aws:iam::123456789012:role/aiproxy/?', 'arn:aws:iam::123456789012:role/aiproxy/xy'],
    ['arn:aws:iam::123456789012:role/Aiproxy/*', 'arn:aws:iam::123456789012:role/aiproxy/x'],
  ])('%s ~ %s agrees with iam-simulate', async (pattern, arn) => {
    const result = await runSimulation(
      {
        request: {
          principal: 'arn:aws:iam::123456789012:role/tester',
          action: 'iam:GetRole',
          resource: { resource: arn, accountId: '123456789012' },
          contextVariables: {},
        },
        identityPolicies: [
          {
            name: 'p',
            policy: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: pattern }],
            },
          },
        ],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );

    expect(result.resultType).toBe('single');
    const simulated = result.resultType === 'single' && result.overallResult === 'Allowed';
    expect(iamMatches(pattern, arn)).toBe(simulated);
  });
});

describe('properties', () => {
  // Mostly characters that sanitising folds together, to provoke collisions, and the ones git
  // is particular about where they stand (`.`, `/`, `-`, `@`, `{`).
  const trickyChar = fc.constantFrom('a', 'b', 'A', '0', '-', '_', '.', '/', 'é', '@', '{');
  // Any code point, those git refuses anywhere turned into `_`: letters of every script stay.
  // eslint-disable-next-line no-control-regex
  const REFUSED_ANYWHERE = /[\u0000-\u0020\u007f-\u009f\u202a-\u202e\u2066-\u2069~^:?*[\\]/g;
  const anyText = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 300 })
    .map((text) => text.replace(REFUSED_ANYWHERE, '_'));
  const trickyBranch = fc.oneof(
    fc.string({ unit: trickyChar, minLength: 1, maxLength: 60 }),
    anyText,
    fc
      .tuple(
        fc.constantFrom('global', 'x', 'main'),
        fc.constantFrom('', '-cicd', '-app', '-global'),
      )
      .map(([a, b]) => a + b),
  );
  // Only names git accepts get this far; the property below covers every other string.
  const branch = trickyBranch.filter((b) => b.trim() !== '' && branchNameProblem(b) === null);
  const prefix = fc.constantFrom(...PREFIXES);
  const env = fc.constantFrom(...ENVS);

  it('slugs are injective over branches', () => {
    fc.assert(
      fc.property(
        prefix,
        fc.uniqueArray(branch, { minLength: 2, maxLength: 40 }),
        (p, branches) => {
          const slugs = branches.map((b) => branchSlug(b, p));
          expect(new Set(slugs).size).toBe(branches.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('every name of every branch is within AWS limits, concrete or templated', () => {
    fc.assert(
      fc.property(prefix, env, branch, (p, e, b) => {
        expect(() => branchNames(b, { prefix: p, env: e })).not.toThrow();
        expect(() => branchNames(b, { prefix: p })).not.toThrow();
        expect(branchSlug(b, p).length).toBeLessThanOrEqual(slugBudget(p));
      }),
      { numRuns: 500 },
    );
  });

  it('no branch name ever matches a global pattern or equals a global name', () => {
    fc.assert(
      fc.property(prefix, env, branch, (p, e, b) => {
        const globals = new Set(globalEverything(p, e));
        const patterns = globalArns(p, e).all;
        for (const value of everythingOf(b, p, e)) {
          expect(globals.has(value)).toBe(false);
          expect(patterns.some((pattern) => iamMatches(pattern, value))).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('any string at all is either refused as INVALID_BRANCH or yields valid names', () => {
    const anything = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ unit: trickyChar, maxLength: 30 }),
      fc.string({
        unit: fc.constantFrom('a', '/', '.', '\u001b', '\u0007', ' ', '~'),
        maxLength: 12,
      }),
    );
    fc.assert(
      fc.property(prefix, anything, (p, b) => {
        let names;
        try {
          names = branchNames(b, { prefix: p, env: ENV });
        } catch (error) {
          expect(error).toMatchObject({ code: 'INVALID_BRANCH', exitCode: 2 });
          // The refusal quotes the name, never echoes a control character raw.
          const { message } = error as Error;
          expect(stripControl(message)).toBe(message);
          return;
        }
        expect(branchNameProblem(b)).toBeNull();
        expect(names.slug.length).toBeLessThanOrEqual(slugBudget(p));
      }),
      { numRuns: 500 },
    );
  });

  it('two different branches never share a name of any kind', () => {
    fc.assert(
      fc.property(prefix, fc.uniqueArray(branch, { minLength: 2, maxLength: 2 }), (p, [a, b]) => {
        const ours = new Set(everythingOf(a!, p, ENV));
        const theirs = everythingOf(b!, p, ENV);
        expect(theirs.filter((value) => ours.has(value))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
