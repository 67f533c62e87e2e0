// issue 12 #8: S3 errors that name the bucket and endpoint, and never carry the access key id
// (minio's S3Error has it as a property, `awsaccesskeyid`, and the stage logs print the error object).
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store, StoreError } from '../../../core/store/s3.js';
import { NotFoundError } from '../../../core/store/store.js';
import { startS3, type TestS3 } from '../../support/s3.js';

describe('S3 store errors (s3rver)', () => {
  let s3: TestS3;
  beforeAll(async () => { s3 = await startS3({ buckets: ['present'] }); });
  afterAll(async () => { await s3?.stop(); });

  it('a missing bucket is named, with the endpoint, instead of looking like a missing object', async () => {
    const store = new S3Store({ bucket: 'no-such-bucket', endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey });
    const error = await store.read('runs/x/_manifest.json').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).not.toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain('bucket "no-such-bucket" does not exist at ' + s3.endpoint);
    const write = await store.write('a.txt', 'x').catch((e: unknown) => e as Error);
    expect((write as Error).message).toContain('no-such-bucket');
    const present = new S3Store({ bucket: 'present', endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey });
    await expect(present.read('missing.json')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a refused key id reaches neither the error nor a log line', async () => {
    const keyId = 'AKIALEAKTEST00000001';
    const store = new S3Store({ bucket: 'present', endpoint: s3.endpoint, accessKey: keyId, secretKey: 'wrong' });
    const error = (await store.write('a.txt', 'x').catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toMatch(/S3 writing s3:\/\/present\/a.txt at http:\/\/127.0.0.1:\d+ failed: InvalidAccessKeyId/);
    let logged = '';
    const log = pino({ level: 'info' }, new Writable({ write(chunk, _e, done) { logged += String(chunk); done(); } }));
    log.error({ err: error }, 'stage failed');
    expect(logged).toContain('InvalidAccessKeyId');
    expect(logged).not.toContain(keyId);
    expect(JSON.stringify(error)).not.toContain(keyId);
  });
});
