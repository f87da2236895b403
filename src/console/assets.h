// The console's static files (src/console/assets/), compiled into the binary at build time
// (embed_assets.cmake), so anvil-ca serves them with nothing installed beside it.
// Thread-safe: the files are constants.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace anvil::console {

struct EmbeddedFile {
  std::string_view name;   // the file's name in src/console/assets/, e.g. "app.js"
  std::string_view bytes;
};

// Every embedded file (generated).
const std::vector<EmbeddedFile>& EmbeddedFiles();

struct Asset {
  std::string_view bytes;
  std::string_view content_type;  // from the name's extension
  std::string_view etag;          // a strong validator: "\"" + 32 hex digits of the SHA-256 of the bytes + "\""
};

// The embedded file called `name`, or nullopt.
std::optional<Asset> FindAsset(std::string_view name);

}  // namespace anvil::console
