#include "acme/problem.h"

namespace anvil::acme {
namespace {

// Codes whose message is safe and meaningful to show to a client.
bool IsClientVisible(Code code) {
  switch (code) {
    case Code::kInvalidArgument:
    case Code::kIo:
    case Code::kUnavailable:
    case Code::kTimeout:
    case Code::kInternal:
      return false;
    default:
      return true;
  }
}

}  // namespace

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kUnauthorized:
    case Code::kOrderNotReady:
    case Code::kCaa:
    case Code::kUserActionRequired:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kMethodNotAllowed:
      return 405;
    case Code::kAlreadyReplaced:
    case Code::kConflict:
      return 409;
    case Code::kUnsupportedMediaType:
      return 415;
    case Code::kRateLimited:
      return 429;
    case Code::kServerInternal:
    case Code::kInvalidArgument:
    case Code::kIo:
    case Code::kInternal:
      return 500;
    case Code::kUnavailable:
    case Code::kTimeout:
      return 503;
    default:
      return 400;
  }
}

std::string ProblemType(Code code) {
  std::string_view name;
  switch (code) {
    case Code::kNotFound:
    case Code::kMethodNotAllowed:
    case Code::kUnsupportedMediaType:
      name = "malformed";
      break;
    case Code::kConflict:
      // RFC 8555 registers no conflict type; Boulder and Pebble send malformed with 409 (docs/acme-compliance.md).
      name = "malformed";
      break;
    default:
      name = IsClientVisible(code) ? CodeName(code) : "serverInternal";
  }
  return std::string(kErrorPrefix) + std::string(name);
}

nlohmann::json ProblemJson(const Status& status) {
  nlohmann::json j;
  j["type"] = ProblemType(status.code());
  j["detail"] = IsClientVisible(status.code()) ? status.message() : "internal server error";
  j["status"] = HttpStatusFor(status.code());
  if (!status.subproblems().empty()) {
    nlohmann::json subs = nlohmann::json::array();
    for (const auto& sub : status.subproblems()) {
      subs.push_back({{"type", ProblemType(sub.code)},
                      {"detail", IsClientVisible(sub.code) ? sub.message : "internal server error"},
                      {"identifier", {{"type", sub.identifier_type}, {"value", sub.identifier_value}}}});
    }
    j["subproblems"] = std::move(subs);
  }
  return j;
}

Status StatusFromProblem(const nlohmann::json& problem) {
  std::string type = problem.is_object() && problem.contains("type") && problem["type"].is_string()
                         ? problem["type"].get<std::string>()
                         : "";
  std::string detail = problem.is_object() && problem.contains("detail") && problem["detail"].is_string()
                           ? problem["detail"].get<std::string>()
                           : "";
  Code code = Code::kServerInternal;
  if (type.starts_with(kErrorPrefix)) {
    std::string_view name = std::string_view(type).substr(kErrorPrefix.size());
    for (int c = int(Code::kAccountDoesNotExist); c <= int(Code::kBadAttestationStatement); ++c) {
      if (CodeName(Code(c)) == name) code = Code(c);
    }
  }
  return Status(code, detail.empty() ? type : detail);
}

}  // namespace anvil::acme
