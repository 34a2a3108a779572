/** The routes (CONTRACTS § 5). The server answers every one of them with index.html (server: web-routes.ts). */
import { Route, Routes } from "react-router-dom";
import { Layout } from "./components/layout.js";
import { useLanguageNegotiation } from "./language.js";
import { HomePage } from "./pages/home.js";
import { LoginPage } from "./pages/login.js";
import { NotFoundPage } from "./pages/not-found.js";
import { VerifyPage } from "./pages/verify.js";

export function App() {
  useLanguageNegotiation();
  return (
    <Layout>
      <Routes>
        <Route path="/" element={<HomePage />} />
        <Route path="/login" element={<LoginPage />} />
        <Route path="/verify" element={<VerifyPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </Layout>
  );
}
