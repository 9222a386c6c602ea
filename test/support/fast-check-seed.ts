/**
 * One seed for every property test, so that CI gives the same verdict on the same code: the
 * generators reach rare shapes (two lines of the same maximum width, a colour code inside a
 * trigger word) that a random seed hits once in thousands of runs. Explore other seeds with
 * `FC_SEED=random npx vitest run test/doctor` or a number.
 */
import fc from 'fast-check';

const requested = process.env.FC_SEED;
if (requested !== 'random') {
  fc.configureGlobal({ seed: requested === undefined ? 20261204 : Number(requested) });
}
