/** Every language's messages, keyed by language code. */
import { ar } from "./ar.js";
import { en, type Messages } from "./en.js";
import { ja } from "./ja.js";
import type { Language } from "./languages.js";

export const MESSAGES: Record<Language, Messages> = { en, ar, ja };
