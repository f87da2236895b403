// VerifyChain: path validation (RFC 5280 §6) delegated to OpenSSL's X509_verify_cert.
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "crypto/certificate.h"
#include "crypto/internal.h"

namespace anvil::crypto {

using internal::Access;
using internal::ErrorWithOpenSsl;

Status VerifyChain(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                   const Certificate& root, TimePoint at) {
  return VerifyChainToAny(leaf, intermediates, {root}, at);
}

Status VerifyChainToAny(const Certificate& leaf, const std::vector<Certificate>& intermediates,
                        const std::vector<Certificate>& roots, TimePoint at) {
  if (roots.empty()) return Error(Code::kMalformed, "certificate chain does not verify: no trust anchor");
  internal::X509StorePtr store(X509_STORE_new());
  internal::X509StackPtr untrusted(sk_X509_new_null());
  internal::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) return ErrorWithOpenSsl(Code::kInternal, "cannot set up chain verification");
  for (const auto& root : roots) {
    if (X509_STORE_add_cert(store.get(), Access::X509Of(root)) != 1) {
      return ErrorWithOpenSsl(Code::kInternal, "cannot set up chain verification");
    }
  }
  for (const auto& cert : intermediates) {
    if (sk_X509_push(untrusted.get(), Access::X509Of(cert)) <= 0) {
      return ErrorWithOpenSsl(Code::kInternal, "cannot set up chain verification");
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), Access::X509Of(leaf), untrusted.get()) != 1) {
    return ErrorWithOpenSsl(Code::kInternal, "X509_STORE_CTX_init failed");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(ToUnixSeconds(at)));
  // The caller names the anchor; it need not be self-signed (e.g. pinning an intermediate).
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
  int rc = X509_verify_cert(ctx.get());
  if (rc != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    internal::DrainErrors();
    return Error(Code::kMalformed, std::string("certificate chain does not verify: ") +
                                       X509_verify_cert_error_string(err) + " (depth " +
                                       std::to_string(depth) + ")");
  }
  internal::DrainErrors();
  return Status::Ok();
}

}  // namespace anvil::crypto
