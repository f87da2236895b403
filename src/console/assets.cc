#include "console/assets.h"

#include <map>
#include <string>

#include "crypto/digest.h"

namespace anvil::console {
namespace {

std::string_view ContentTypeOf(std::string_view name) {
  static const std::map<std::string_view, std::string_view> kTypes = {
      {".html", "text/html; charset=utf-8"},     {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},       {".svg", "image/svg+xml"},
      {".png", "image/png"},                     {".ico", "image/x-icon"},
      {".json", "application/json"},             {".txt", "text/plain; charset=utf-8"},
  };
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    if (auto it = kTypes.find(name.substr(dot)); it != kTypes.end()) return it->second;
  }
  return "application/octet-stream";
}

struct Indexed {
  Asset asset;
  std::string etag;
};

const std::map<std::string_view, Indexed>& Index() {
  static const std::map<std::string_view, Indexed> index = [] {
    std::map<std::string_view, Indexed> out;
    for (const EmbeddedFile& file : EmbeddedFiles()) {
      Indexed& entry = out[file.name];
      entry.etag = "\"" + crypto::HexEncode(crypto::Sha256(file.bytes)).substr(0, 32) + "\"";
      entry.asset = {file.bytes, ContentTypeOf(file.name), {}};
    }
    for (auto& [name, entry] : out) entry.asset.etag = entry.etag;
    return out;
  }();
  return index;
}

}  // namespace

std::optional<Asset> FindAsset(std::string_view name) {
  const auto& index = Index();
  auto it = index.find(name);
  if (it == index.end()) return std::nullopt;
  return it->second.asset;
}

}  // namespace anvil::console
