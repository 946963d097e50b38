import type { Principal } from '../db/repositories/principals.js';
import type { AppEnv } from '../api/context.js';
import type { Lang, Translate } from './i18n/index.js';
import type { ConsoleApi } from './api-client.js';

/** A signed-in browser: who it is and the token its forms must carry. */
export interface ConsoleSession {
  principal: Principal;
  csrfToken: string;
  /** The session cookie's token hash (sign-out deletes its row). */
  tokenHash: string;
}

/** What console handlers may reach: the API app's variables plus the page's language and caller. */
export interface WebEnv {
  Variables: AppEnv['Variables'] & {
    lang: Lang;
    t: Translate;
    session: ConsoleSession | undefined;
    /** The JSON API, called in process as the signed-in principal (set on signed-in pages). */
    api: ConsoleApi;
    /** The sign-in form's double-submit token once made for this response (one per response). */
    signInCsrf: string | undefined;
  };
}
