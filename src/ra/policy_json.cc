#include "ra/policy_json.h"

#include <algorithm>
#include <array>
#include <vector>

namespace anvil::ra {
namespace {

constexpr std::array<std::string_view, 11> kFields{
    "allowed_domains",     "denied_domains", "allowed_ip_ranges", "denied_ip_ranges", "identifier_types",
    "challenge_types",     "profiles",       "allow_wildcards",   "max_identifiers",  "key_types",
    "max_validity_seconds"};

std::string KnownFields() {
  std::string out;
  for (std::string_view f : kFields) out += (out.empty() ? "" : ", ") + std::string(f);
  return out;
}

Status Invalid(const std::string& field, const std::string& why) {
  return Error(Code::kInvalidArgument, "rules." + field + ": " + why);
}

Result<std::vector<std::string>> StringList(const std::string& field, const nlohmann::json& value) {
  if (!value.is_array()) return Invalid(field, "must be an array of strings");
  std::vector<std::string> out;
  for (const nlohmann::json& item : value) {
    if (!item.is_string()) return Invalid(field, "must be an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

nlohmann::json PolicyRulesToJson(const PolicyRules& r) {
  nlohmann::json j = {{"allowed_domains", r.allowed_domains},
                      {"denied_domains", r.denied_domains},
                      {"allowed_ip_ranges", r.allowed_ip_ranges},
                      {"denied_ip_ranges", r.denied_ip_ranges},
                      {"identifier_types", r.identifier_types},
                      {"challenge_types", r.challenge_types},
                      {"profiles", r.profiles},
                      {"allow_wildcards", r.allow_wildcards},
                      {"max_identifiers", r.max_identifiers},
                      {"key_types", r.key_types}};
  j["max_validity_seconds"] =
      r.max_validity ? nlohmann::json(r.max_validity->count()) : nlohmann::json(nullptr);
  return j;
}

Result<PolicyRules> PolicyRulesFromJson(const nlohmann::json& json, const std::string& name) {
  if (!json.is_object()) return Error(Code::kInvalidArgument, "the rules must be a JSON object");
  PolicyRules r;
  r.name = name;
  r.key_types.clear();  // a named policy allows every key type until key_types narrows it
  r.max_identifiers = 10000;
  for (const auto& [field, value] : json.items()) {
    if (std::find(kFields.begin(), kFields.end(), field) == kFields.end()) {
      return Error(Code::kInvalidArgument,
                   "rules: unknown field \"" + field.substr(0, 64) + "\" (known: " + KnownFields() + ")");
    }
    if (field == "allow_wildcards") {
      if (!value.is_boolean()) return Invalid(field, "must be true or false");
      r.allow_wildcards = value.get<bool>();
    } else if (field == "max_identifiers") {
      if (!value.is_number_integer()) return Invalid(field, "must be an integer");
      const int64_t n = value.get<int64_t>();
      if (n < 1 || n > 10000) return Invalid(field, "must be 1..10000");
      r.max_identifiers = static_cast<int>(n);
    } else if (field == "max_validity_seconds") {
      if (value.is_null()) continue;
      if (!value.is_number_integer()) return Invalid(field, "must be an integer number of seconds, or null");
      r.max_validity = std::chrono::seconds(value.get<int64_t>());
    } else {
      ANVIL_ASSIGN_OR_RETURN(std::vector<std::string> list, StringList(field, value));
      std::vector<std::string>* target = field == "allowed_domains"     ? &r.allowed_domains
                                         : field == "denied_domains"    ? &r.denied_domains
                                         : field == "allowed_ip_ranges" ? &r.allowed_ip_ranges
                                         : field == "denied_ip_ranges"  ? &r.denied_ip_ranges
                                         : field == "identifier_types"  ? &r.identifier_types
                                         : field == "challenge_types"   ? &r.challenge_types
                                         : field == "profiles"          ? &r.profiles
                                                                        : &r.key_types;
      *target = std::move(list);
    }
  }
  return r;
}

Status CheckPolicyName(std::string_view name) {
  auto ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 && static_cast<unsigned char>(c) < 0x80;
  };
  const bool valid = !name.empty() && name.size() <= 64 && ok(name[0]) &&
                     std::all_of(name.begin(), name.end(),
                                 [&](char c) { return ok(c) || c == '.' || c == '_' || c == '-'; });
  if (valid) return Status::Ok();
  return Error(Code::kInvalidArgument,
               "invalid policy name \"" + std::string(name.substr(0, 64)) +
                   "\" (1..64 letters, digits, \".\", \"_\" or \"-\", starting with a letter or digit)");
}

}  // namespace anvil::ra
