/**
 * Sign-in: a name in dev mode, or a pasted token when the server requires one. The session is
 * kept in localStorage (per browser profile); a refused token brings the form back with the
 * server's reason.
 */
import { isUserName } from "../../protocol/index.ts";
import { $ } from "./dom.ts";

export interface Session { user?: string; token?: string }

const SESSION_KEY = "hubbub:session";
const ERROR_KEY = "hubbub:signin-error";

export function savedSession(): Session | undefined {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) ?? "null") as Session | null;
    return s && (isUserName(s.user) || typeof s.token === "string") ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Forgets the session and starts over (with a reason to show on the form, if any). */
export function signOut(reason?: string): void {
  localStorage.removeItem(SESSION_KEY);
  if (reason) sessionStorage.setItem(ERROR_KEY, reason);
  location.reload();
}

export function askForSession(): Promise<Session> {
  $("signin").hidden = false;
  const error = $("signin-error");
  error.textContent = sessionStorage.getItem(ERROR_KEY) ?? "";
  sessionStorage.removeItem(ERROR_KEY);
  $<HTMLInputElement>("signin-name").focus();
  return new Promise((resolve) => {
    $<HTMLFormElement>("signin-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const user = $<HTMLInputElement>("signin-name").value.trim() || undefined;
      const token = $<HTMLInputElement>("signin-token").value.trim() || undefined;
      if (!token && !isUserName(user)) {
        error.textContent = "Enter a name of 1–32 letters, digits, _ . or - (or paste a token).";
        $<HTMLInputElement>("signin-name").focus();
        return;
      }
      const session: Session = token ? { token } : { user };
      localStorage.setItem(SESSION_KEY, JSON.stringify(session));
      $("signin").hidden = true;
      resolve(session);
    });
  });
}
