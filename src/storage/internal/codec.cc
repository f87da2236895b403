#include "storage/internal/codec.h"

#include <cstdint>
#include <cstdio>

namespace anvil::storage::internal {
namespace {

Status Corrupt(std::string_view what, std::string_view value) {
  return Error(Code::kInternal, "corrupt record: unknown " + std::string(what) + " \"" +
                                    std::string(value.substr(0, 64)) + "\"");
}

// Looks `s` up in a table of (value, name) pairs.
template <typename E, size_t N>
Result<E> Lookup(const std::pair<E, std::string_view> (&table)[N], std::string_view s,
                 std::string_view what) {
  for (const auto& [value, name] : table) {
    if (name == s) return value;
  }
  return Corrupt(what, s);
}

template <typename E, size_t N>
std::string_view NameOf(const std::pair<E, std::string_view> (&table)[N], E v) {
  for (const auto& [value, name] : table) {
    if (value == v) return name;
  }
  return "?";
}

// An acme:: parse of a stored name, its failure reported as a corrupt record (only storage writes these columns).
template <typename E>
Result<E> FromStored(Result<E> parsed, std::string_view s, std::string_view what) {
  if (!parsed.ok()) return Corrupt(what, s);
  return parsed;
}

constexpr std::pair<CertificateState, std::string_view> kCertificateStates[] = {
    {CertificateState::kPending, "pending"},
    {CertificateState::kIssued, "issued"},
    {CertificateState::kAbandoned, "abandoned"}};

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A minimal reader for exactly one JSON value shape: an array of strings.
class StringListReader {
 public:
  explicit StringListReader(std::string_view s) : s_(s) {}

  Result<std::vector<std::string>> Read() {
    std::vector<std::string> out;
    SkipSpace();
    if (!Consume('[')) return Bad();
    SkipSpace();
    if (Consume(']')) return Finish(std::move(out));
    while (true) {
      SkipSpace();
      std::string item;
      if (!ReadString(&item)) return Bad();
      out.push_back(std::move(item));
      SkipSpace();
      if (Consume(']')) return Finish(std::move(out));
      if (!Consume(',')) return Bad();
    }
  }

 private:
  Result<std::vector<std::string>> Finish(std::vector<std::string> out) {
    SkipSpace();
    if (pos_ != s_.size()) return Bad();
    return out;
  }
  Status Bad() const { return Error(Code::kInternal, "corrupt record: not a JSON array of strings"); }
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool ReadHex4(uint32_t* out) {
    if (pos_ + 4 > s_.size()) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    *out = v;
    return true;
  }
  bool ReadString(std::string* out) {
    if (!Consume('"')) return false;
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return false;
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!ReadHex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // high surrogate: a low one must follow
            uint32_t low;
            if (!Consume('\\') || !Consume('u') || !ReadHex4(&low) || low < 0xDC00 || low > 0xDFFF)
              return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

// The stored names are RFC 8555's wire names, so acme/types.h keeps the one table of them.
std::string_view Name(acme::IdentifierType v) { return acme::IdentifierTypeName(v); }
std::string_view Name(acme::AccountStatus v) { return acme::StatusName(v); }
std::string_view Name(acme::OrderStatus v) { return acme::StatusName(v); }
std::string_view Name(acme::AuthorizationStatus v) { return acme::StatusName(v); }
std::string_view Name(acme::ChallengeStatus v) { return acme::StatusName(v); }
std::string_view Name(acme::ChallengeType v) { return acme::ChallengeTypeName(v); }
std::string_view Name(CertificateState v) { return NameOf(kCertificateStates, v); }

Result<acme::IdentifierType> ParseIdentifierTypeName(std::string_view s) {
  return FromStored(acme::ParseIdentifierType(s), s, "identifier type");
}
Result<acme::AccountStatus> ParseAccountStatusName(std::string_view s) {
  return FromStored(acme::ParseAccountStatus(s), s, "account status");
}
Result<acme::OrderStatus> ParseOrderStatusName(std::string_view s) {
  return FromStored(acme::ParseOrderStatus(s), s, "order status");
}
Result<acme::AuthorizationStatus> ParseAuthorizationStatusName(std::string_view s) {
  return FromStored(acme::ParseAuthorizationStatus(s), s, "authorization status");
}
Result<acme::ChallengeStatus> ParseChallengeStatusName(std::string_view s) {
  return FromStored(acme::ParseChallengeStatus(s), s, "challenge status");
}
Result<acme::ChallengeType> ParseChallengeTypeName(std::string_view s) {
  return FromStored(acme::ParseChallengeType(s), s, "challenge type");
}
Result<CertificateState> ParseCertificateStateName(std::string_view s) {
  return Lookup(kCertificateStates, s, "certificate state");
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string EncodeStringList(const std::vector<std::string>& list) {
  std::string out = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += JsonQuote(list[i]);
  }
  out.push_back(']');
  return out;
}

Result<std::vector<std::string>> DecodeStringList(std::string_view json) {
  return StringListReader(json).Read();
}

std::string EncodeIdentifiers(const std::vector<acme::Identifier>& identifiers) {
  std::vector<std::string> list;
  list.reserve(identifiers.size());
  for (const auto& id : identifiers) list.push_back(std::string(Name(id.type)) + ":" + id.value);
  return EncodeStringList(list);
}

Result<std::vector<acme::Identifier>> DecodeIdentifiers(std::string_view json) {
  ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> list, DecodeStringList(json));
  std::vector<acme::Identifier> out;
  out.reserve(list.size());
  for (const auto& item : list) {
    size_t colon = item.find(':');
    if (colon == std::string::npos) return Corrupt("identifier", item);
    ANVIL_ASSIGN_OR_RETURN(acme::IdentifierType type, ParseIdentifierTypeName(item.substr(0, colon)));
    out.push_back(acme::Identifier{type, item.substr(colon + 1)});
  }
  return out;
}

Status NotFound(std::string_view what, std::string_view id) { return NotFoundError(what, id); }

Status CheckLimit(int limit) {
  if (limit < 1)
    return Error(Code::kInvalidArgument, "limit must be at least 1, got " + std::to_string(limit));
  return Status::Ok();
}

Status CheckAdminCredential(const AdminCredential& credential) {
  if (credential.name.empty()) return Error(Code::kInvalidArgument, "an admin credential needs a name");
  if (credential.lookup.empty()) {
    return Error(Code::kInvalidArgument, "admin credential " + credential.name + " has no lookup");
  }
  return Status::Ok();
}

Status AdminCredentialConflict(std::string_view name) {
  return Error(Code::kConflict, "admin credential " + std::string(name) + " already exists (or its certificate or token is recorded)");
}

Status AdminCredentialRevoked(std::string_view name) {
  return Error(Code::kConflict, "admin credential " + std::string(name) + " is already revoked");
}

Status CheckAuditAnchor(const AuditAnchor& anchor) {
  if (anchor.head_id < 1 || anchor.head_hash.empty()) {
    return Error(Code::kInvalidArgument, "an audit anchor needs the head record's id and hash");
  }
  return Status::Ok();
}

Status ChallengeConflict(std::string_view authorization_id, std::string_view challenge_id) {
  return Error(Code::kConflict, "challenge " + std::string(authorization_id) + "/" + std::string(challenge_id) +
                                    " or its authorization is not in the required state");
}

Status CheckCrlAdvance(const CrlState& next, int64_t previous_number) {
  if (next.issuer_id.empty()) return Error(Code::kInvalidArgument, "CRL series: issuer_id must not be empty");
  if (next.number <= previous_number) {
    // RFC 5280 §5.2.3: a series' CRL numbers strictly increase.
    return Error(Code::kInvalidArgument, "CRL series " + next.issuer_id + ": number " +
                                             std::to_string(next.number) + " does not exceed " +
                                             std::to_string(previous_number));
  }
  return Status::Ok();
}

Status CrlStateConflict(std::string_view issuer_id, int64_t previous_number) {
  return Error(Code::kConflict, "CRL series " + std::string(issuer_id) + " is not at number " +
                                    std::to_string(previous_number));
}

Status CheckImportable(const CertificateRecord& record) {
  if (record.state != CertificateState::kIssued || record.der.empty() || record.serial.empty() ||
      record.authority_key_id.empty()) {
    return Error(Code::kInvalidArgument,
                 "an imported certificate must be issued, with its serial, DER and authority key ID");
  }
  return Status::Ok();
}

}  // namespace anvil::storage::internal
