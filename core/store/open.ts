// Opens a store from a URI: a local path / file:// URI, or s3://bucket/prefix.
// S3 endpoint and keys come from the arguments or the usual environment variables.
import { fileURLToPath } from 'node:url';
import { LocalStore } from './local.js';
import { LazyS3Store } from './lazy-s3.js';
import type { ArtifactStore } from './store.js';

export interface StoreConnection {
  endpoint?: string;
  region?: string;
  accessKey?: string;
  secretKey?: string;
}

export function s3ConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConnection {
  return {
    endpoint: env.BUGFORGE_S3_ENDPOINT ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    accessKey: env.AWS_ACCESS_KEY_ID,
    secretKey: env.AWS_SECRET_ACCESS_KEY,
  };
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri} (expected s3://bucket/prefix)`);
  return { bucket: match[1], key: match[2].replace(/\/+$/, '') };
}

export function openStore(uri: string, connection: StoreConnection = s3ConnectionFromEnv()): ArtifactStore {
  if (uri.startsWith('s3://')) {
    const { bucket, key } = parseS3Uri(uri);
    return new LazyS3Store({ bucket, prefix: key, ...connection }); // minio is imported on the first request
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file://')) {
    throw new Error(`unsupported store URI ${uri}: use a local directory, file:///path or s3://bucket/prefix`);
  }
  return new LocalStore(uri.startsWith('file://') ? fileURLToPath(uri) : uri);
}
