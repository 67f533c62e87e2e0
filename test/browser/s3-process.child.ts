// Runs startS3 (test/support/s3.ts) until stdin closes; prints its connection as one JSON line.
import { startS3 } from '../support/s3.js';

const s3 = await startS3({ buckets: process.argv.slice(2) });
const { stop, ...info } = s3;
process.stdout.write(`${JSON.stringify(info)}\n`);
process.stdin.resume();
process.stdin.on('end', () => { void stop().finally(() => process.exit(0)); });
