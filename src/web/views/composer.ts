/** What the composer says about the length of what is being written, against the server's limit. */

/** The countdown appears once this close to the limit, so it does not distract from short messages. */
const SHOW_WITHIN = 500;

export interface LengthCheck {
  /** Text for the counter: empty far from the limit, characters left near it, a negative number over it. */
  counter: string;
  over: boolean;
  /** Why sending is refused, or empty. */
  refusal: string;
}

export function checkLength(text: string, maxText: number): LengthCheck {
  const left = maxText - text.length;
  const over = left < 0;
  return {
    counter: left <= SHOW_WITHIN ? String(left) : "",
    over,
    refusal: over
      ? `Too long: ${text.length.toLocaleString("en")} characters, the limit is ${maxText.toLocaleString("en")}. Shorten it or split it into several messages.`
      : "",
  };
}

/** A failed send, said for a person; the code stays visible for a bug report. */
export function failureText(code: string, message: string, maxText: number): string {
  switch (code) {
    case "too_large": return `not sent: longer than ${maxText.toLocaleString("en")} characters`;
    case "not_member": return "not sent: you are not in this room any more";
    case "unknown_user": return "not sent: nobody of that name has signed in here";
    case "unknown_room": return "not sent: the room does not exist";
    default: return `not sent (${code}): ${message}`;
  }
}
