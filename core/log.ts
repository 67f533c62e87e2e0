// pino logging: JSON lines in containers and pipes, readable colours on a terminal.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name = 'bugforge', options: { pretty?: boolean; level?: string } = {}): Logger {
  const level = options.level ?? process.env.BUGFORGE_LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? (process.env.BUGFORGE_LOG_FORMAT ? process.env.BUGFORGE_LOG_FORMAT === 'pretty' : process.stderr.isTTY);
  // Secrets never reach the log: known secret-bearing fields are redacted wherever they appear.
  const redact = { paths: ['apiKey', '*.apiKey', 'secretKey', '*.secretKey', 'accessKey', '*.accessKey', 'authorization', '*.authorization', 'headers.authorization'], censor: '[redacted]' };
  if (pretty) {
    return pino({ name, level, redact, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } } });
  }
  return pino({ name, level, redact }, pino.destination(2));
}
