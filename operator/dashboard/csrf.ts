// Actions need a same-origin request carrying a CSRF token: the page gets the token (an HMAC of
// its session cookie under a per-process key) in a meta tag; a POST must bring the cookie, the
// token in `x-csrf-token`, and an Origin (or Sec-Fetch-Site) that says it came from this origin.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const COOKIE = 'bugforge_session';

export class Csrf {
  private readonly key = randomBytes(32);

  private tokenFor(session: string): string {
    return createHmac('sha256', this.key).update(session).digest('base64url');
  }

  /** The request's session (set on the response when it has none) and its token. */
  session(req: IncomingMessage, res: ServerResponse, secure: boolean): string {
    let session = sessionOf(req);
    if (!session) {
      session = randomBytes(18).toString('base64url');
      res.setHeader('set-cookie', `${COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
    }
    return this.tokenFor(session);
  }

  /** Why the request may not act, or undefined when it may. */
  refusal(req: IncomingMessage): string | undefined {
    const host = req.headers.host;
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost: string | undefined;
      try {
        originHost = new URL(origin).host;
      } catch {
        originHost = undefined;
      }
      if (!host || originHost !== host) return `cross-origin request refused (Origin ${origin} is not this dashboard)`;
    } else if (req.headers['sec-fetch-site'] !== 'same-origin') {
      return 'request refused: no Origin header and not same-origin';
    }
    const session = sessionOf(req);
    const token = req.headers['x-csrf-token'];
    if (!session || typeof token !== 'string') return 'missing CSRF token or session: reload the page';
    const expected = Buffer.from(this.tokenFor(session));
    const given = Buffer.from(token);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad CSRF token: reload the page';
    return undefined;
  }
}

function sessionOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === COOKIE && v && /^[A-Za-z0-9_-]{10,64}$/.test(v)) return v;
  }
  return undefined;
}
