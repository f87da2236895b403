// Who calls the admin API (docs/admin-api.md): a Caller, authenticated by admin/authenticator.h, with one of three
// roles, each including the ones below it: viewer (read everything), operator (viewer, plus revoking
// certificates, deactivating accounts and EAB keys), admin (operator, plus policy and CA operations).
// Value types; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace anvil::admin {

enum class Role { kViewer = 0, kOperator = 1, kAdmin = 2 };

// "viewer", "operator", "admin" and back; nullopt for anything else.
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
// Whether `held` may do what `needed` may.
inline bool Includes(Role held, Role needed) { return static_cast<int>(held) >= static_cast<int>(needed); }

// How the caller proved who it is.
inline constexpr std::string_view kCertificateCredential = "certificate";
inline constexpr std::string_view kTokenCredential = "token";

struct Caller {
  std::string name;        // the credential's name (storage::AdminCredential::name)
  Role role = Role::kViewer;
  std::string credential;  // kCertificateCredential or kTokenCredential
  std::string lookup{};    // the credential's record (storage::AdminCredential::lookup)
  // Set when a console session (admin/sessions.h) authenticated the request: its CSRF token, which a request
  // that changes state must carry.
  std::string session_csrf_token{};
};

// How an operator action names the caller in its audit record (RegistrationAuthority::RevokeByOperator's
// requester): "admin:NAME".
inline std::string RequesterName(const Caller& caller) { return "admin:" + caller.name; }

}  // namespace anvil::admin
