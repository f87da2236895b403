// CAA (RFC 8659, RFC 8657): the names to climb, the issue-value grammar, the decision over the relevant
// RRset (caa.h), and ValidateCaa, which looks the RRsets up through the resolver (network_validator.h).
#include "va/caa.h"

#include <algorithm>

#include "va/common.h"
#include "va/network_validator.h"

namespace anvil::va {
namespace internal {
namespace {

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool IsWsp(char c) { return c == ' ' || c == '\t'; }

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A cursor over an issue-value; each Read* consumes what it matched.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}
  bool AtEnd() const { return pos_ == text_.size(); }
  char Peek() const { return text_[pos_]; }
  size_t pos() const { return pos_; }
  void SkipWsp() {
    while (!AtEnd() && IsWsp(Peek())) ++pos_;
  }
  bool Take(char c) {
    if (AtEnd() || Peek() != c) return false;
    ++pos_;
    return true;
  }
  // label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT)): letters, digits and inner hyphens.
  std::string_view ReadLabel() {
    const size_t start = pos_;
    if (AtEnd() || !IsAlnum(Peek())) return {};
    size_t end = pos_;
    while (end < text_.size() && (IsAlnum(text_[end]) || text_[end] == '-')) ++end;
    while (end > start && text_[end - 1] == '-') --end;  // a label ends in a letter or digit
    pos_ = end;
    return text_.substr(start, end - start);
  }
  // parameter-value = *(%x21-3A / %x3C-7E): visible ASCII but ";".
  std::string_view ReadParameterValue() {
    const size_t start = pos_;
    while (!AtEnd() && Peek() >= 0x21 && Peek() <= 0x7E && Peek() != ';') ++pos_;
    return text_.substr(start, pos_ - start);
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

Status Malformed(std::string_view value, const Scanner& s) {
  return Error(Code::kMalformed,
               "malformed CAA value " + QuoteForDetail(value) + " at offset " + std::to_string(s.pos()));
}

// Whether the issue property `value` authorizes `check` for a CA known by `identities`. `why` is set when
// the property names this CA but one of its parameters excludes the request.
bool Authorizes(std::string_view value, const CaaCheck& check, const std::vector<std::string>& identities,
                std::string& why) {
  Result<IssueValue> parsed = ParseIssueValue(value);
  if (!parsed.ok() || parsed->issuer.empty()) return false;
  const bool ours = std::any_of(identities.begin(), identities.end(),
                                [&](const std::string& id) { return Lower(id) == parsed->issuer; });
  if (!ours) return false;
  const std::string method(acme::ChallengeTypeName(check.method));
  for (const auto& [tag, parameter] : parsed->parameters) {
    const std::string name = Lower(tag);
    if (name == "accounturi" && parameter != check.account_uri) {
      why = "its accounturi names another account";
      return false;
    }
    if (name == "validationmethods") {
      bool listed = false;
      size_t start = 0;
      while (start <= parameter.size()) {
        size_t comma = parameter.find(',', start);
        if (comma == std::string::npos) comma = parameter.size();
        if (parameter.substr(start, comma - start) == method) listed = true;
        start = comma + 1;
      }
      if (!listed) {
        why = "its validationmethods do not include " + method;
        return false;
      }
    }
  }
  return true;
}

bool IsKnownTag(const std::string& tag) { return tag == "issue" || tag == "issuewild" || tag == "iodef"; }

}  // namespace

std::vector<std::string> CaaSearchNames(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::vector<std::string> names;
  while (!name.empty()) {
    names.emplace_back(name);
    const size_t dot = name.find('.');
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  return names;
}

Result<IssueValue> ParseIssueValue(std::string_view value) {
  IssueValue out;
  Scanner s(value);
  s.SkipWsp();
  // issuer-domain-name = label *("." label)
  if (!s.AtEnd() && s.Peek() != ';') {
    std::string issuer;
    while (true) {
      const std::string_view label = s.ReadLabel();
      if (label.empty()) return Malformed(value, s);
      issuer += Lower(label);
      if (!s.Take('.')) break;
      issuer += '.';
    }
    out.issuer = std::move(issuer);
    s.SkipWsp();
  }
  if (s.AtEnd()) return out;
  if (!s.Take(';')) return Malformed(value, s);
  s.SkipWsp();
  // parameters = (parameter *WSP ";" *WSP parameters) / parameter, and nothing after the last one.
  while (!s.AtEnd()) {
    const std::string_view tag = s.ReadLabel();
    if (tag.empty()) return Malformed(value, s);
    s.SkipWsp();
    if (!s.Take('=')) return Malformed(value, s);
    s.SkipWsp();
    out.parameters.emplace_back(std::string(tag), std::string(s.ReadParameterValue()));
    s.SkipWsp();
    if (s.AtEnd()) break;
    if (!s.Take(';')) return Malformed(value, s);
    s.SkipWsp();
    if (s.AtEnd()) return Malformed(value, s);  // a ";" must be followed by another parameter
  }
  return out;
}

Status EvaluateCaaRrset(const std::vector<CaaRecord>& rrset, const std::string& owner, const CaaCheck& check,
                        const std::vector<std::string>& identities) {
  const std::string prefix = "CAA record for " + owner + " prevents issuance: ";
  bool any_issuewild = false;
  for (const CaaRecord& r : rrset) {
    if ((r.flags & 0x80) != 0 && !IsKnownTag(r.tag)) {
      return Error(Code::kCaa, prefix + "unknown critical property " + QuoteForDetail(r.tag));
    }
    any_issuewild = any_issuewild || r.tag == "issuewild";
  }
  // §4.3: issuewild decides for a wildcard when present, and is ignored for any other name.
  const std::string deciding = check.wildcard && any_issuewild ? "issuewild" : "issue";
  bool restricted = false;
  std::string why;
  for (const CaaRecord& r : rrset) {
    if (r.tag != deciding) continue;
    restricted = true;
    if (Authorizes(r.value, check, identities, why)) return Status::Ok();
  }
  if (!restricted) return Status::Ok();
  if (!why.empty()) return Error(Code::kCaa, prefix + "the " + deciding + " property naming this CA: " + why);
  return Error(Code::kCaa, prefix + "no " + deciding + " property names this CA");
}

}  // namespace internal

Status ValidateCaa(const CaaCheck& check, const std::vector<std::string>& identities, DnsResolver& resolver) {
  if (identities.empty()) return Status::Ok();
  const std::vector<std::string> names = internal::CaaSearchNames(check.name);
  std::vector<Result<std::vector<CaaRecord>>> rrsets = resolver.LookupCaa(names);
  for (size_t i = 0; i < names.size() && i < rrsets.size(); ++i) {
    // A failure nearer than the first RRset found may hide records that forbid issuance (§3).
    if (!rrsets[i].ok()) return rrsets[i].status();
    if (!rrsets[i]->empty()) return internal::EvaluateCaaRrset(*rrsets[i], names[i], check, identities);
  }
  return Status::Ok();
}

}  // namespace anvil::va
