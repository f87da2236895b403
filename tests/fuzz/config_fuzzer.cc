// Fuzzes anvil-ca's configuration reader (config::ParseConfig: TOML through toml++ without exceptions, then
// every key's type and value checks and the checks across tables) and Finalize (the data directory, the
// derived storage path and external URL).
//
// Invariants: no exception escapes (toml++ is built with TOML_EXCEPTIONS=0; ours never throw); a refusal is
// kInvalidArgument naming the problem; parsing is deterministic (the same text parses to the same verdict).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = anvil::config::ParseConfig(text);
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == anvil::Code::kInvalidArgument, config.status().ToString());
    FUZZ_CHECK(!config.status().message().empty(), "a refusal without a message");
    auto again = anvil::config::ParseConfig(text);
    FUZZ_CHECK(!again.ok() && again.status().message() == config.status().message(), "not deterministic");
    return 0;
  }
  anvil::Status finalized = anvil::config::Finalize(*config, "/nonexistent/anvil-fuzz-data");
  if (!finalized.ok()) {
    FUZZ_CHECK(finalized.code() == anvil::Code::kInvalidArgument, finalized.ToString());
  } else {
    FUZZ_CHECK(!config->data_dir.empty() && !config->server.external_url.empty(),
               "Finalize left a default empty");
  }
  return 0;
}
