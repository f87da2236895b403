// Internal to http/: OpenSSL's thread-local error queue as text, for the TLS server context and the TLS probe.
#pragma once

#include <string>
#include <string_view>

namespace anvil::http::internal {

// Takes every queued OpenSSL error of this thread, joined with "; ", or `if_none` when the queue is empty.
std::string TakeOpenSslErrors(std::string_view if_none);

}  // namespace anvil::http::internal
