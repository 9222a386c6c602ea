#!/usr/bin/env node
// The entry point: every command's exit code comes from one table (src/lib/errors.ts).
import { main } from '../dist/main.js';

await main(process.argv.slice(2));
