import { describe, expect, it } from 'vitest';

import type { StackChange } from '../../src/lib/stacks/types.js';
import { renderChangeSet } from '../../src/lib/ui/changes.js';

const trust = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'cloudformation.amazonaws.com' },
      Action: 'sts:AssumeRole',
    },
  ],
};

/** The deployed global stack: a boundary that denies user creation, a role under it. */
const BEFORE = {
  Resources: {
    WorkloadBoundary: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }],
        },
      },
    },
    ExecutionRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: trust,
        PermissionsBoundary: { Ref: 'WorkloadBoundary' },
      },
    },
  },
};

/** The new version: the boundary also denies access keys, the role gets an inline policy. */
const AFTER = {
  Resources: {
    WorkloadBoundary: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: {
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'iam:CreateAccessKey', Resource: '*' }],
        },
      },
    },
    ExecutionRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: trust,
        Policies: [
          {
            PolicyName: 'manage',
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'iam:CreateRole',
                  Resource: 'arn:aws:iam::*:role/aiproxy/*',
                  Condition: { StringEquals: { 'iam:PermissionsBoundary': 'arn:boundary' } },
                },
              ],
            },
          },
        ],
      },
    },
  },
};

const CHANGES: StackChange[] = [
  {
    action: 'Modify',
    logicalId: 'WorkloadBoundary',
    resourceType: 'AWS::IAM::ManagedPolicy',
    replacement: 'False',
    properties: ['PolicyDocument'],
  },
  {
    action: 'Modify',
    logicalId: 'ExecutionRole',
    resourceType: 'AWS::IAM::Role',
    replacement: 'Conditional',
    properties: ['Policies', 'PermissionsBoundary'],
  },
  { action: 'Remove', logicalId: 'OldParam', resourceType: 'AWS::SSM::Parameter', properties: [] },
];

describe('renderChangeSet', () => {
  it('lists resource changes and shows the IAM changes as tables, colourless off a TTY', async () => {
    // Given an update that edits the boundary and the execution role
    // When it is rendered without colour
    const text = await renderChangeSet(CHANGES, BEFORE, AFTER, { columns: 140 });

    // Then every resource change is one line, replacements and deletions called out
    expect(text).toContain(
      '[~] AWS::IAM::ManagedPolicy WorkloadBoundary (PolicyDocument)\n' +
        '[~] AWS::IAM::Role ExecutionRole may replace (Policies, PermissionsBoundary)\n' +
        '[-] AWS::SSM::Parameter OldParam DELETE',
    );
    // And the boundary's statements added and removed are in the IAM table
    expect(text).toMatch(/\+ .*Deny.*iam:CreateAccessKey.*WorkloadBoundary \(boundary\)/);
    expect(text).toMatch(/- .*Deny.*iam:CreateUser.*WorkloadBoundary \(boundary\)/);
    // And the inline statement with its principal and condition
    expect(text).toMatch(
      /\+ .*arn:aws:iam::\*:role\/aiproxy\/\*.*Allow.*iam:CreateRole.*AWS:\$\{ExecutionRole\}/,
    );
    expect(text).toContain('"StringEquals": {');
    expect(text).toContain('"iam:PermissionsBoundary"');
    // And the boundary removed from the role stands out
    expect(text).toMatch(/- .*ExecutionRole.*\{"Ref":"WorkloadBoundary"\} → \(none\)/);
    // And no escape codes are left
    expect(text.includes('\u001b[')).toBe(false);
  });

  it('says plainly when nothing IAM-related changes', async () => {
    const template = {
      Resources: { P: { Type: 'AWS::SSM::Parameter', Properties: { Value: '1' } } },
    };
    const next = { Resources: { P: { Type: 'AWS::SSM::Parameter', Properties: { Value: '2' } } } };
    const text = await renderChangeSet(
      [
        {
          action: 'Modify',
          logicalId: 'P',
          resourceType: 'AWS::SSM::Parameter',
          replacement: 'False',
          properties: ['Value'],
        },
      ],
      template,
      next,
    );
    expect(text).toContain('No IAM statement, policy attachment or boundary changes.');
  });

  it('colours when asked', async () => {
    const text = await renderChangeSet(CHANGES, BEFORE, AFTER, { color: true });
    expect(text).toContain('\u001b[31m[-]');
  });
});
