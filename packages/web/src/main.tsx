/** Entry: negotiate the language before the first render (so `<html lang dir>` is right at once), then mount. */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { I18nextProvider } from "react-i18next";
import { BrowserRouter } from "react-router-dom";
import { App } from "./app.js";
import { negotiateLanguage } from "./i18n/languages.js";
import { setUpI18n } from "./i18n/setup.js";
import { storedLanguage } from "./language.js";
import { SessionProvider } from "./session.js";
import "./styles.css";

const language = negotiateLanguage({
  query: new URLSearchParams(window.location.search).get("lang"),
  stored: storedLanguage(),
  accepted: navigator.languages,
});
const i18n = await setUpI18n(language);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <BrowserRouter>
        <SessionProvider>
          <App />
        </SessionProvider>
      </BrowserRouter>
    </I18nextProvider>
  </StrictMode>,
);
