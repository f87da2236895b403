#include "base/status.h"

namespace anvil {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kAccountDoesNotExist: return "accountDoesNotExist";
    case Code::kAlreadyRevoked: return "alreadyRevoked";
    case Code::kBadCsr: return "badCSR";
    case Code::kBadNonce: return "badNonce";
    case Code::kBadPublicKey: return "badPublicKey";
    case Code::kBadRevocationReason: return "badRevocationReason";
    case Code::kBadSignatureAlgorithm: return "badSignatureAlgorithm";
    case Code::kCaa: return "caa";
    case Code::kCompound: return "compound";
    case Code::kConnection: return "connection";
    case Code::kDns: return "dns";
    case Code::kExternalAccountRequired: return "externalAccountRequired";
    case Code::kIncorrectResponse: return "incorrectResponse";
    case Code::kInvalidContact: return "invalidContact";
    case Code::kMalformed: return "malformed";
    case Code::kOrderNotReady: return "orderNotReady";
    case Code::kRateLimited: return "rateLimited";
    case Code::kRejectedIdentifier: return "rejectedIdentifier";
    case Code::kServerInternal: return "serverInternal";
    case Code::kTls: return "tls";
    case Code::kUnauthorized: return "unauthorized";
    case Code::kUnsupportedContact: return "unsupportedContact";
    case Code::kUnsupportedIdentifier: return "unsupportedIdentifier";
    case Code::kUserActionRequired: return "userActionRequired";
    case Code::kInvalidProfile: return "invalidProfile";
    case Code::kAlreadyReplaced: return "alreadyReplaced";
    case Code::kBadAttestationStatement: return "badAttestationStatement";
    case Code::kConflict: return "conflict";
    case Code::kNotFound: return "notFound";
    case Code::kUnsupportedMediaType: return "unsupportedMediaType";
    case Code::kMethodNotAllowed: return "methodNotAllowed";
    case Code::kInvalidArgument: return "invalidArgument";
    case Code::kIo: return "io";
    case Code::kUnavailable: return "unavailable";
    case Code::kTimeout: return "timeout";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(CodeName(code_));
  if (!message_.empty()) {
    s += ": ";
    s += message_;
  }
  return s;
}

}  // namespace anvil
