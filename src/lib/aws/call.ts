/**
 * Runs one SDK call and maps its failure to an `AwsError`, naming the operation. Use it for
 * every call made with a client that may have been built outside `createAwsContext` (tests,
 * a caller's own client): the context's middleware tags errors, this names them regardless.
 */
import { toAwsError, type AwsErrorContext } from './errors.js';

/** The call being made: the IAM service prefix and the API operation. */
export interface AwsCall extends AwsErrorContext {
  service: string;
  operation: string;
}

/** Awaits `run()`; on failure throws the mapped `AwsError` for `call`. */
export async function callAws<T>(call: AwsCall, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw await toAwsError(error, call);
  }
}
