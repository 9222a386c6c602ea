import { Args, Flags } from '@oclif/core';

import { AiproxyCommand, EXIT_CODES_HELP } from '../base-command.js';
import { diagnoseLogFile } from '../lib/doctor/diagnose-log.js';
import { AiproxyError, ExitCode, type ExitCodeValue } from '../lib/errors.js';
import { renderDoctorReport } from '../lib/ui/doctor-report.js';

export default class Doctor extends AiproxyCommand {
  static override summary =
    'Explain the access denials behind a failed build, with the smallest safe fix.';

  static override description = `Reads a build log (a file, or - for standard input), finds every AWS access denial in it
whatever printed it, explains why each was denied, and proposes the smallest identity-policy
patch per role, flagged when it would be risky. Works offline: --log-file needs no AWS access.

EXIT CODES
${EXIT_CODES_HELP}`;

  static override examples = [
    '<%= config.bin %> doctor --log-file examples/codebuild-ecr-login-denied.log',
    'aws logs tail /aws/codebuild/my-project | <%= config.bin %> doctor --log-file - --json',
  ];

  static override args = {
    pipeline: Args.string({
      description: 'Pipeline to diagnose (live diagnosis against AWS: not built yet, issue #3).',
      required: false,
    }),
  };

  static override flags = {
    'log-file': Flags.string({
      char: 'f',
      description: 'Build log to read; - reads standard input.',
    }),
  };

  protected async execute(): Promise<ExitCodeValue> {
    const { args, flags } = await this.parse(Doctor);

    const logFile = flags['log-file'];
    if (logFile === undefined) {
      throw new AiproxyError(
        'DOCTOR_NEEDS_LOG',
        args.pipeline
          ? 'Diagnosing a pipeline directly against AWS is not built yet (issue #3).'
          : 'Nothing to diagnose: name a log file.',
        {
          exitCode: ExitCode.Usage,
          suggestions: [
            'Pass a build log: `aiproxy doctor --log-file build.log` (or `--log-file -` for stdin).',
          ],
        },
      );
    }

    const diagnosis = await diagnoseLogFile(logFile);

    if (flags.json) {
      this.printJson(diagnosis.json);
    } else {
      this.print(renderDoctorReport(diagnosis.report, diagnosis.context, this.style));
    }
    return diagnosis.report.denials.length > 0 ? ExitCode.DenialsFound : ExitCode.Ok;
  }
}
