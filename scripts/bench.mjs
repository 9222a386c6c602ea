#!/usr/bin/env node
// Measures `aiproxy doctor --log-file BIG --json` against grep on the same synthetic CodeBuild
// log: throughput of each, their ratio, and doctor's peak RSS; and `aiproxy --help` against
// `node -e 0`. Run `npm run build` first.
//
//   npm run bench                  # 512 MiB log, 5 runs each
//   BENCH_MB=2048 BENCH_RUNS=3 npm run bench
//
// The log is generated into .bench/ (gitignored) once, deterministically, and reused.
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZE_MB = Number(process.env.BENCH_MB ?? 512);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LOG = join(ROOT, '.bench', `codebuild-${SIZE_MB}mb.log`);
const GREP = [
  'grep',
  '-c',
  '-F',
  '-e',
  'not authorized',
  '-e',
  'AccessDenied',
  '-e',
  'Access Denied',
];
const DOCTOR = ['node', join(ROOT, 'bin/run.js'), 'doctor', '--log-file'];
const EMPTY_LOG = join(ROOT, '.bench', 'empty.log');
// The scanner alone, in a bare Node process: what the parser costs without the CLI around it.
const SCAN_ONLY = [
  'node',
  '--input-type=module',
  '-e',
  [
    `import { openLogSource } from ${JSON.stringify(join(ROOT, 'dist/lib/doctor/log-source.js'))};`,
    `import { scanDenials } from ${JSON.stringify(join(ROOT, 'dist/lib/doctor/parse/index.js'))};`,
    'const file = process.argv[1];',
    'const result = await scanDenials(await openLogSource(file), { file });',
    'console.log(JSON.stringify({ denials: result.denials.length, lines: result.lines }));',
  ].join('\n'),
];
// One denial every this many lines on average: "scattered".
const DENIAL_EVERY = 40_000;

// xorshift32: the same log on every machine.
let seed = 0x9e3779b9;
function random() {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 0x100000000;
}
const pick = (items) => items[Math.floor(random() * items.length)];
const hex = (length) =>
  Array.from({ length }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('');

function timestamp(second) {
  const s = String(second % 60).padStart(2, '0');
  const m = String(Math.floor(second / 60) % 60).padStart(2, '0');
  return `2024/08/03 05:${m}:${s}.${String(Math.floor(random() * 1e6)).padStart(6, '0')}`;
}

const NOISE = [
  () => `npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory.`,
  () => `added ${Math.floor(random() * 2000)} packages, and audited 1533 packages in 42s`,
  () =>
    `    at Object.<anonymous> (/codebuild/output/src${hex(8)}/src/node_modules/jest/build/index.js:12:3)`,
  () => `Step ${Math.floor(random() * 12)}/12 : RUN pip install -r requirements.txt`,
  () => ` ---> Running in ${hex(12)}`,
  () => `Collecting boto3==1.34.${Math.floor(random() * 100)} (from -r requirements.txt (line 3))`,
  () => `PASS src/components/Button${Math.floor(random() * 100)}.test.tsx (5.123 s)`,
  () =>
    `{"level":"info","ts":1635238509.${hex(4)},"msg":"reconciled","name":"web","namespace":"default"}`,
  () => `${hex(12)}: Pushed`,
  () => `#12 [build 4/9] COPY package.json package-lock.json ./`,
  () => `webpack 5.91.0 compiled successfully in ${Math.floor(random() * 9000)} ms`,
  () => `GET https://registry.npmjs.org/@aws-sdk%2fclient-s3 200 (cache hit)`,
];
const DENIALS = [
  (n) =>
    `An error occurred (AccessDeniedException) when calling the GetParameter operation: User: arn:aws:sts::111122223333:assumed-role/build-role-${n % 7}/AWSCodeBuild-${hex(8)} is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:eu-west-1:111122223333:parameter/app/${n % 5} because no identity-based policy allows the ssm:GetParameter action`,
  (n) =>
    `denied: User: arn:aws:sts::111122223333:assumed-role/build-role-${n % 7}/AWSCodeBuild-${hex(8)} is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:eu-west-1:111122223333:repository/app-${n % 3}`,
  () =>
    `upload failed: ./dist/app.js to s3://assets/app.js An error occurred (AccessDenied) when calling the PutObject operation: Access Denied`,
];

async function generate() {
  mkdirSync(dirname(LOG), { recursive: true });
  const out = createWriteStream(LOG);
  const target = SIZE_MB * 1024 * 1024;
  let written = 0;
  let line = 0;
  let denials = 0;
  while (written < target) {
    const batch = [];
    for (let i = 0; i < 20_000; i++, line++) {
      if (random() < 1 / DENIAL_EVERY) {
        batch.push(pick(DENIALS)(denials++));
      } else if (line % 9 === 0) {
        batch.push(
          `[Container] ${timestamp(line)} Running command ${pick(['npm ci', 'npm test', 'docker build .'])}`,
        );
      } else {
        batch.push(pick(NOISE)());
      }
    }
    const text = `${batch.join('\n')}\n`;
    written += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return denials;
}

function hasTimeCommand() {
  return existsSync('/usr/bin/time');
}

/** Runs a command; resolves wall seconds, peak RSS in KiB (when measurable), stdout, exit code. */
function run(argv) {
  const timed = hasTimeCommand() ? ['/usr/bin/time', '-f', '%M', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(timed[0], timed.slice(1), {
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let polledPeak = 0;
    const poll = hasTimeCommand()
      ? null
      : setInterval(() => {
          try {
            const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
            const hwm = /VmHWM:\s+(\d+)/.exec(status);
            if (hwm) polledPeak = Math.max(polledPeak, Number(hwm[1]));
          } catch {
            // The process has exited.
          }
        }, 5);
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const lastLine = stderr.trim().split('\n').pop() ?? '';
      const rss = hasTimeCommand() ? Number(lastLine) : polledPeak;
      resolve({ seconds, rssKiB: Number.isFinite(rss) ? rss : 0, stdout, code });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  if (!existsSync(join(ROOT, 'dist/main.js'))) {
    console.error('dist/ is missing: run `npm run build` first.');
    process.exit(2);
  }
  if (!existsSync(LOG)) {
    console.log(`Generating ${LOG} (${SIZE_MB} MiB)…`);
    const denials = await generate();
    console.log(`  ${denials} denials scattered.`);
  }
  const bytes = statSync(LOG).size;
  const megabytes = bytes / 1024 / 1024;

  // Warm the page cache so every command reads from memory.
  await run(['grep', '-c', 'x', LOG]);
  writeFileSync(EMPTY_LOG, '');

  const results = { grep: [], doctor: [], scan: [], startup: [], node: [], help: [] };
  for (let i = 0; i < RUNS; i++) {
    results.grep.push(await run([...GREP, LOG]));
    results.doctor.push(await run([...DOCTOR, LOG, '--json']));
    results.scan.push(await run([...SCAN_ONLY, LOG]));
    results.startup.push(await run([...DOCTOR, EMPTY_LOG, '--json']));
    results.node.push(await run(['node', '-e', '0']));
    results.help.push(await run(['node', join(ROOT, 'bin/run.js'), '--help']));
  }

  const doctorOut = results.doctor[0];
  if (doctorOut.code !== 0 && doctorOut.code !== 1) {
    console.error(`doctor failed (exit ${doctorOut.code})`);
    process.exit(1);
  }
  const report = JSON.parse(doctorOut.stdout);
  const occurrences = report.denials.reduce((sum, denial) => sum + denial.count, 0);

  const row = (name, runs, size = megabytes) => {
    const seconds = median(runs.map((r) => r.seconds));
    const best = Math.min(...runs.map((r) => r.seconds));
    const rss = Math.max(...runs.map((r) => r.rssKiB));
    return { name, seconds, best, mbps: size / seconds, rss };
  };
  const rows = [
    row('grep -c -F (3 patterns)', results.grep),
    row('aiproxy doctor --json', results.doctor),
    row('scanner only (no CLI)', results.scan),
    row('doctor on an empty log', results.startup, 0),
    row('node -e 0', results.node, 0),
    row('aiproxy --help', results.help, 0),
  ];

  console.log(`\nlog: ${LOG}  ${megabytes.toFixed(0)} MiB, ${report.source.lines} lines`);
  console.log(
    `doctor: ${report.denials.length} distinct denials, ${occurrences} occurrences; grep: ${results.grep[0].stdout.trim()} matching lines\n`,
  );
  console.log('| command                  | median s | best s |  MiB/s | peak RSS MiB |');
  console.log('|--------------------------|---------:|-------:|-------:|-------------:|');
  for (const r of rows) {
    const mbps = r.mbps === 0 ? '-' : r.mbps.toFixed(0);
    const cells = [
      r.name.padEnd(24),
      r.seconds.toFixed(3).padStart(8),
      r.best.toFixed(3).padStart(6),
      mbps.padStart(6),
      (r.rss / 1024).toFixed(1).padStart(12),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  const [grep, doctor, scan, startup, bare, help] = rows;
  const ratio = (a, b) => (a.mbps / b.mbps).toFixed(2);
  console.log(
    `\nratio doctor/grep throughput: ${ratio(doctor, grep)} (>= 1: doctor at least as fast)`,
  );
  console.log(`ratio scanner/grep throughput: ${ratio(scan, grep)}`);
  console.log(
    `doctor start-up and report on an empty log: ${startup.seconds.toFixed(3)} s of its ${doctor.seconds.toFixed(3)} s`,
  );
  console.log(`doctor peak RSS: ${(doctor.rss / 1024).toFixed(1)} MiB (goal < 150 MiB)`);
  console.log(
    `aiproxy --help: ${(help.seconds / bare.seconds).toFixed(2)}x the time of node -e 0 (goal < 3x)`,
  );
}

await main();
