/**
 * Formats the corpus does not hold but build logs print: other SDKs and tools. Each gives the
 * denial with the fields its wrapper names, and one denial per error even when two wrappers
 * (a handler message and a Java suffix, a PHP header and an XML body) describe it.
 */
import { describe, expect, it } from 'vitest';

import { parseDenialText, scanDenials } from '../../../src/lib/doctor/parse/index.js';
import type { ParsedDenial } from '../../../src/lib/doctor/types.js';
import { streamOf } from './streams.js';

type Fields = Partial<
  Pick<ParsedDenial, 'principal' | 'action' | 'resource' | 'operation' | 'serviceHint' | 'count'>
>;

const NO_DETAIL = { principal: null, action: null, resource: null };

const FORMATS: [string, string, Fields][] = [
  [
    'JavaScript SDK v3, no message, operation from the stack',
    "2024-01-01T00:00:00.000Z\tabc\tERROR\tAccessDeniedException: Access Denied\n    at de_GetSecretValueCommandError (/var/task/node_modules/@aws-sdk/client-secrets-manager/dist-cjs/index.js:1:2)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5) {\n  '$fault': 'client',\n  '$metadata': { httpStatusCode: 400 },\n  __type: 'AccessDeniedException'\n}",
    { ...NO_DETAIL, operation: 'GetSecretValue' },
  ],
  [
    'Ruby SDK',
    "Aws::S3::Errors::AccessDenied: Access Denied\n  /usr/lib/ruby/aws-sdk-core/plugins/raise_response_errors.rb:17:in `call'",
    { ...NO_DETAIL, serviceHint: 's3' },
  ],
  [
    'Go SDK v1, S3',
    'AccessDenied: Access Denied\n\tstatus code: 403, request id: 3PUYPII31KUWGNDA, host id: vzCaHlXK=',
    NO_DETAIL,
  ],
  [
    'Java SDK v1, S3',
    'com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied; Request ID: 7D2E; S3 Extended Request ID: x=)',
    { ...NO_DETAIL, serviceHint: 's3' },
  ],
  [
    'Java SDK v2, S3',
    'software.amazon.awssdk.services.s3.model.S3Exception: Access Denied (Service: S3, Status Code: 403, Request ID: 7D2E, Extended Request ID: x=)',
    { ...NO_DETAIL, serviceHint: 's3' },
  ],
  [
    'boto3, a HEAD request (no error body)',
    'botocore.exceptions.ClientError: An error occurred (403) when calling the HeadObject operation: Forbidden',
    { ...NO_DETAIL, operation: 'HeadObject' },
  ],
  [
    'Go SDK v2, a HEAD request (Terraform 1.x)',
    'Error: reading S3 Bucket (b): operation error S3: HeadBucket, https response error StatusCode: 403, RequestID: 8X, HostID: y=, api error Forbidden: Forbidden',
    { ...NO_DETAIL, operation: 'HeadBucket', serviceHint: 's3' },
  ],
  [
    'the AWS CLI after retries',
    'An error occurred (AccessDenied) when calling the PutObject operation (reached max retries: 4): Access Denied',
    { ...NO_DETAIL, operation: 'PutObject' },
  ],
  [
    'GitHub OIDC role assumption',
    'Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    { principal: null, action: 'sts:AssumeRoleWithWebIdentity', resource: null },
  ],
  [
    'an S3 XML error body, with the PHP SDK header',
    'Error executing "PutObject" on "https://b.s3.amazonaws.com/k"; AWS HTTP error: Client error: `PUT https://b.s3.amazonaws.com/k` resulted in a `403 Forbidden` response:\n<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R</RequestId></Error>',
    { ...NO_DETAIL, operation: 'PutObject' },
  ],
  [
    "SNS's AuthorizationError, action casing as printed",
    'AuthorizationError: User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:123456789012:topic',
    {
      principal: 'arn:aws:sts::123456789012:assumed-role/r/s',
      action: 'SNS:Publish',
      resource: 'arn:aws:sns:us-east-1:123456789012:topic',
    },
  ],
  [
    'a CloudFormation handler message around a Java suffix: one denial',
    'Resource handler returned message: "Access Denied (Service: S3, Status Code: 403, Request ID: 7D2E)" (RequestToken: 1f, HandlerErrorCode: AccessDenied)',
    { ...NO_DETAIL, serviceHint: 's3', count: 1 },
  ],
];

describe('formats beyond the corpus', () => {
  it.each(FORMATS)('%s', async (_name, text, fields) => {
    // Given the output as the tool prints it
    // When it is parsed as a text and as a stream
    const fromText = parseDenialText(text, { file: 'x', line: 1, writer: 'build' });
    const fromStream = (await scanDenials(streamOf([text]), { file: 'x' })).denials;

    // Then one denial comes out of each, with what the wrapper names
    expect(fromText).toHaveLength(1);
    expect(fromText[0]).toMatchObject(fields);
    expect(fromStream).toEqual(fromText);
  });
});
