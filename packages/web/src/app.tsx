/** The routes (CONTRACTS § 5). The server answers every one of them with index.html (server: web-routes.ts). */
import { Route, Routes } from "react-router-dom";
import { Layout } from "./components/layout.js";
import { useLanguageNegotiation } from "./language.js";
import { AccountPage } from "./pages/account.js";
import { AdminPeersPage } from "./pages/admin-peers.js";
import { AdminCountriesPage, AdminTrustPage } from "./pages/admin-platform.js";
import { AdminUsersPage, NewUserPage, UserPage } from "./pages/admin-users.js";
import { AdminWebhooksPage } from "./pages/admin-webhooks.js";
import { AuditPage } from "./pages/audit.js";
import { DeclinePage } from "./pages/decline.js";
import { DeviceKeyPage } from "./pages/device-key.js";
import { EnvelopePage } from "./pages/envelope.js";
import { HomePage } from "./pages/home.js";
import { InboxPage } from "./pages/inbox.js";
import { LoginPage } from "./pages/login.js";
import { NewEnvelopePage } from "./pages/new-envelope.js";
import { NotFoundPage } from "./pages/not-found.js";
import { RegisterPage } from "./pages/register.js";
import { SignPage } from "./pages/sign.js";
import { VerifyPage } from "./pages/verify.js";

export function App() {
  useLanguageNegotiation();
  return (
    <Layout>
      <Routes>
        <Route path="/" element={<HomePage />} />
        <Route path="/login" element={<LoginPage />} />
        <Route path="/verify" element={<VerifyPage />} />
        <Route path="/envelopes" element={<InboxPage />} />
        <Route path="/envelopes/new" element={<NewEnvelopePage />} />
        <Route path="/envelopes/:id" element={<EnvelopePage />} />
        <Route path="/envelopes/:id/sign" element={<SignPage />} />
        <Route path="/envelopes/:id/decline" element={<DeclinePage />} />
        <Route path="/envelopes/:id/audit" element={<AuditPage />} />
        <Route path="/account" element={<AccountPage />} />
        <Route path="/account/device-key" element={<DeviceKeyPage />} />
        <Route path="/admin/users" element={<AdminUsersPage />} />
        <Route path="/admin/users/new" element={<NewUserPage />} />
        <Route path="/admin/users/:id" element={<UserPage />} />
        <Route path="/admin/webhooks" element={<AdminWebhooksPage />} />
        <Route path="/admin/countries" element={<AdminCountriesPage />} />
        <Route path="/admin/trust" element={<AdminTrustPage />} />
        <Route path="/admin/peers" element={<AdminPeersPage />} />
        <Route path="/register/:code" element={<RegisterPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </Layout>
  );
}
