/** What the console tests call: an app's in-process fetch (Hono's `app.request`). */
export interface RequestsApp {
  request(input: string, init?: RequestInit): Response | Promise<Response>;
}

export interface ConsoleSession {
  /** `oc_session=…`, for a `cookie` header. */
  cookie: string;
  /** The CSRF token the signed-in pages carry (their forms' `_csrf`, htmx's header). */
  csrf: string;
  /** The start page the sign-in led to, and its HTML. */
  home: string;
  html: string;
}

const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];

/**
 * Signs in through the console's form as a browser does (the sign-in form's double-submit
 * token, then the key), and reads the CSRF token from the page the sign-in leads to.
 */
export async function consoleSignIn(app: RequestsApp, apiKey: string): Promise<ConsoleSession> {
  const form = await app.request('/console/sign-in');
  const signInCsrf = cookieOf(form, 'oc_signin_csrf');
  if (!signInCsrf) throw new Error(`the sign-in form set no CSRF cookie (${form.status})`);
  const res = await app.request('/console/sign-in', {
    method: 'POST',
    headers: { cookie: signInCsrf, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: signInCsrf.split('=')[1]!, apiKey }).toString(),
  });
  const cookie = cookieOf(res, 'oc_session');
  const home = res.headers.get('location');
  if (!cookie || !home) throw new Error(`sign-in refused (${res.status})`);
  const html = await (await app.request(home, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new Error(`no CSRF token on ${home}`);
  return { cookie, csrf, home, html };
}
