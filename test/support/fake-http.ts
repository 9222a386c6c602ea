/**
 * A fake HTTP handler for real SDK clients: it answers queued responses without a network,
 * so tests exercise the client factory's middlewares, retries and error mapping end to end.
 */
import { Readable } from 'node:stream';

/** One canned HTTP answer. */
export interface FakeResponse {
  status: number;
  body: string;
}

/** What the handler saw of a request (never its body: that is what the SDK serialises). */
export interface SeenRequest {
  hostname: string;
  port?: number;
  protocol: string;
  body: string;
}

/** The SDK's `requestHandler` shape, answering from `responses` in order (the last repeats). */
export function fakeHttp(responses: FakeResponse[]) {
  const seen: SeenRequest[] = [];
  const handler = {
    seen,
    handle(request: { hostname: string; port?: number; protocol: string; body?: unknown }) {
      seen.push({
        hostname: request.hostname,
        ...(request.port === undefined ? {} : { port: request.port }),
        protocol: request.protocol,
        body: typeof request.body === 'string' ? request.body : '',
      });
      const answer = responses[Math.min(seen.length - 1, responses.length - 1)] ?? {
        status: 500,
        body: '',
      };
      return Promise.resolve({
        response: {
          statusCode: answer.status,
          headers: { 'content-type': 'text/xml' },
          body: Readable.from([Buffer.from(answer.body)]),
        },
      });
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return handler;
}

/** STS GetCallerIdentity's XML answer. */
export function callerIdentityXml(arn = 'arn:aws:iam::123456789012:user/alice'): string {
  return `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AIDATEST</UserId><Account>${arn.split(':')[4]}</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;
}

/** An AWS Query protocol error answer (STS, IAM, CloudFormation). */
export function queryErrorXml(code: string, message: string): string {
  return `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-2</RequestId></ErrorResponse>`;
}
