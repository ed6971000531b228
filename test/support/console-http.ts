// The console over plain HTTP, as a browser without JavaScript uses it: a session cookie kept
// between requests, forms posted with their CSRF token. For tests of what the console allows, not of
// how it looks (test/browser drives a real browser).

/** The console's session cookie (`__Host-`: Secure, Path=/, no Domain). */
export const SESSION_COOKIE = '__Host-praesidium-console';

export interface ConsolePage {
  readonly status: number;
  readonly location: string | null;
  readonly html: string;
}

/** What a browser does for the console over plain HTTP: keeps the session cookie, posts forms. */
export class ConsoleBrowser {
  cookie = '';

  /** `replaying`: a stolen copy of the cookie, sent as it is whatever the console answers. */
  constructor(
    private readonly base: string,
    private readonly replaying = false,
  ) {}

  /** A copy of the cookie as it is now, sent to `base` (this process, or another one). */
  copyTo(base: string): ConsoleBrowser {
    const copy = new ConsoleBrowser(base, true);
    copy.cookie = this.cookie;
    return copy;
  }

  async get(path: string): Promise<ConsolePage> {
    return this.send('GET', path);
  }

  async post(path: string, form: Record<string, string>): Promise<ConsolePage> {
    return this.send('POST', path, new URLSearchParams(form).toString());
  }

  /** Signs in through the demo persona picker, as the sign-in page's form does. */
  async signInAs(persona: string): Promise<void> {
    const page = await this.get('/console/sign-in');
    const signedIn = await this.post('/console/sign-in/persona', { persona, _csrf: csrfTokenOf(page) });
    expect(signedIn).toMatchObject({ status: 303, location: '/console/' });
  }

  private async send(method: string, path: string, body?: string): Promise<ConsolePage> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    for (const cookie of this.replaying ? [] : response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      if (pair.startsWith(`${SESSION_COOKIE}=`)) this.cookie = pair.endsWith('=') ? '' : pair;
    }
    return {
      status: response.status,
      location: response.headers.get('location'),
      html: await response.text(),
    };
  }
}

export function csrfTokenOf(page: ConsolePage): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  if (!token) throw new Error(`no CSRF token in the page (${page.status})`);
  return token.replaceAll('&#x3D;', '=');
}
