/** Findings as the English line the report shows, for assertions on the validator's internal results. */
import { type Message, renderMessage } from "../../src/validation/messages.js";

export const text = (m: string | Message): string => (typeof m === "string" ? m : renderMessage(m));
