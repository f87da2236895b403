// Status and Result<T>: Anvil's error vocabulary across component boundaries.
//
// A Status is a Code plus a human-readable message. The codes include every ACME error type
// (RFC 8555 §6.7, RFC 8738, RFC 9773, draft-aaron-acme-profiles) so that the one place that renders problem
// documents (wfe) can map a Status to `urn:ietf:params:acme:error:*` without guessing; the remaining codes are
// internal (kInternal, kNotFound, kIo, ...). Messages of internal codes are never sent to ACME clients.
//
// Result<T> holds either a T or a non-OK Status. Both are [[nodiscard]] value types; thread-compatible.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace anvil {

enum class Code {
  kOk = 0,
  // ACME error types (RFC 8555 §6.7 and extensions).
  kAccountDoesNotExist,
  kAlreadyRevoked,
  kBadCsr,
  kBadNonce,
  kBadPublicKey,
  kBadRevocationReason,
  kBadSignatureAlgorithm,
  kCaa,
  kCompound,
  kConnection,
  kDns,
  kExternalAccountRequired,
  kIncorrectResponse,
  kInvalidContact,
  kMalformed,
  kOrderNotReady,
  kRateLimited,
  kRejectedIdentifier,
  kServerInternal,
  kTls,
  kUnauthorized,
  kUnsupportedContact,
  kUnsupportedIdentifier,
  kUserActionRequired,
  kInvalidProfile,
  kAlreadyReplaced,  // RFC 9773 §5: `replaces` names a certificate another order already replaces.
  // draft-ietf-acme-device-attest-09 §5: a device-attest-01 attestation statement failed a check.
  kBadAttestationStatement,
  // The request conflicts with the resource's current state (a conditional update lost to a concurrent one, a
  // key already in use): HTTP 409 with type malformed, as Boulder and Pebble answer.
  kConflict,
  // Internal codes: never shown to a client in detail.
  kNotFound,         // A looked-up object does not exist (wfe maps to 404 malformed).
  kUnsupportedMediaType,  // Content-Type not application/jose+json (415).
  kMethodNotAllowed,
  kInvalidArgument,  // Programming or configuration error found at run time.
  kIo,               // File system or socket failure.
  kUnavailable,      // A dependency (database, resolver) is temporarily unavailable.
  kTimeout,
  kInternal,
};

// Returns the stable name of a code, e.g. "badNonce" for ACME codes or "internal".
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "badNonce: nonce was already used"
  std::string ToString() const;

  // Sub-problems (RFC 8555 §6.7.1): one Status per failing identifier. Each entry's identifier is
  // "type:value", e.g. "dns:example.com".
  struct Sub {
    std::string identifier_type;
    std::string identifier_value;
    Code code;
    std::string message;
  };
  const std::vector<Sub>& subproblems() const { return subproblems_; }
  Status& AddSubproblem(Sub sub) {
    subproblems_.push_back(std::move(sub));
    return *this;
  }

  // Retry-After seconds to send with this error (rateLimited, ...), if any.
  std::optional<int> retry_after() const { return retry_after_; }
  Status& set_retry_after(int seconds) {
    retry_after_ = seconds;
    return *this;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::vector<Sub> subproblems_;
  std::optional<int> retry_after_;
};

inline Status Error(Code code, std::string message) { return Status(code, std::move(message)); }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // The error; Status::Ok() when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  T value_or(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace anvil

// Propagation helpers. ANVIL_RETURN_IF_ERROR(expr) returns a non-OK Status from the enclosing function.
// ANVIL_ASSIGN_OR_RETURN(lhs, expr) evaluates a Result, returns its Status on error, else assigns the value.
#define ANVIL_RETURN_IF_ERROR(expr)               \
  do {                                            \
    ::anvil::Status anvil_status_ = (expr);       \
    if (!anvil_status_.ok()) return anvil_status_; \
  } while (0)

#define ANVIL_CONCAT_INNER_(a, b) a##b
#define ANVIL_CONCAT_(a, b) ANVIL_CONCAT_INNER_(a, b)
#define ANVIL_ASSIGN_OR_RETURN(lhs, expr) ANVIL_ASSIGN_OR_RETURN_IMPL_(ANVIL_CONCAT_(anvil_result_, __LINE__), lhs, expr)
#define ANVIL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
