/**
 * Everything `aiproxy doctor` needs against AWS, behind one module that the command imports
 * only when it goes live: the AWS SDK clients, the prompts and the live renderers then stay out
 * of the offline `--log-file` path's start-up (half its time and most of its memory on a small
 * log, measured by `npm run bench`).
 */
export { createAwsContext } from '../../aws/clients.js';
export { confirmAction } from '../../ui/prompt.js';
export { renderApplyPlan, renderApplyResult, renderLiveReport } from '../../ui/doctor-live.js';
export { executeApply, planApply } from './apply.js';
export { diagnoseLive, liveDoctorJson } from './diagnose.js';
export { projectPrefix, resolveTarget } from './target.js';
