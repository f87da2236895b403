#include "http/openssl_errors.h"

#include <openssl/err.h>

namespace anvil::http::internal {

std::string TakeOpenSslErrors(std::string_view if_none) {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string(if_none) : out;
}

}  // namespace anvil::http::internal
