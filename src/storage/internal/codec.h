// How storage persists values that have no native database type: the stored names of statuses and other
// enums, and lists of strings as JSON arrays. Private to src/storage (memory, sqlite and later postgres);
// other components use acme/types.h for the wire names.
//
// The persisted names are owned here on purpose, independent of acme's wire mapping: a change to the protocol
// library must never silently change what is already on disk. They coincide with the RFC 8555 names today.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acme/types.h"
#include "base/status.h"
#include "base/time.h"
#include "storage/store.h"

namespace anvil::storage::internal {

std::string_view Name(acme::IdentifierType v);
std::string_view Name(acme::AccountStatus v);
std::string_view Name(acme::OrderStatus v);
std::string_view Name(acme::AuthorizationStatus v);
std::string_view Name(acme::ChallengeStatus v);
std::string_view Name(acme::ChallengeType v);
std::string_view Name(CertificateState v);

// Each returns kInternal ("corrupt record") for a name it does not know: only storage writes these columns.
Result<acme::IdentifierType> ParseIdentifierTypeName(std::string_view s);
Result<acme::AccountStatus> ParseAccountStatusName(std::string_view s);
Result<acme::OrderStatus> ParseOrderStatusName(std::string_view s);
Result<acme::AuthorizationStatus> ParseAuthorizationStatusName(std::string_view s);
Result<acme::ChallengeStatus> ParseChallengeStatusName(std::string_view s);
Result<acme::ChallengeType> ParseChallengeTypeName(std::string_view s);
Result<CertificateState> ParseCertificateStateName(std::string_view s);

// `s` as a JSON string literal, quotes included. Bytes ≥ 0x80 are copied (UTF-8 is assumed, not checked);
// control characters are escaped.
std::string JsonQuote(std::string_view s);

// ["a","b"] and back. Decoding accepts any JSON array of strings (whitespace, all escapes incl. surrogate
// pairs).
std::string EncodeStringList(const std::vector<std::string>& list);
Result<std::vector<std::string>> DecodeStringList(std::string_view json);

// Identifiers as a string list of "type:value" ("dns:example.com", "ip:2001:db8::1"): the type never contains
// ':' so the first ':' separates.
std::string EncodeIdentifiers(const std::vector<acme::Identifier>& identifiers);
Result<std::vector<acme::Identifier>> DecodeIdentifiers(std::string_view json);

// Errors both backends return word for word (the conformance suite compares them): kNotFound "WHAT ID does not
// exist", kInvalidArgument for a list limit below 1, kConflict for a challenge (or its authorization) not in
// the state a conditional update required.
Status NotFound(std::string_view what, std::string_view id);
Status CheckLimit(int limit);
// AuditLog::AppendAuditAnchor's refusal: kInvalidArgument when head_id < 1 or head_hash is empty.
Status CheckAuditAnchor(const AuditAnchor& anchor);
Status ChallengeConflict(std::string_view authorization_id, std::string_view challenge_id);
// RevocationListStore::AdvanceCrlState's refusals: kInvalidArgument for an empty issuer_id or a number that
// does not increase (checked before anything is read), kConflict when the series' stored number is not
// `previous_number`.
Status CheckCrlAdvance(const CrlState& next, int64_t previous_number);
Status CrlStateConflict(std::string_view issuer_id, int64_t previous_number);
// CertificateStore::ImportCertificate's refusal of a record that is not issued, has no DER, serial or
// authority key ID (kInvalidArgument).
Status CheckImportable(const CertificateRecord& record);

// AdminCredentialStore's refusals: kInvalidArgument for an empty name or lookup; kConflict for a name or
// lookup taken ("admin credential NAME already exists") and for a second revocation.
Status CheckAdminCredential(const AdminCredential& credential);
Status AdminCredentialConflict(std::string_view name);
Status AdminCredentialRevoked(std::string_view name);

// Storage keeps one-second precision (store.h): every backend truncates the same way.
inline TimePoint TruncateToSeconds(TimePoint t) { return FromUnixSeconds(ToUnixSeconds(t)); }

}  // namespace anvil::storage::internal
