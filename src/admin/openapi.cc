#include "admin/openapi.h"

namespace anvil::admin {

extern const char kOpenApiJson[];  // openapi_document.cc, generated from openapi.json

const nlohmann::json& OpenApiDocument() {
  // The build embeds a file the tests parse: a document that does not parse fails admin_api_test, never here.
  static const nlohmann::json document = nlohmann::json::parse(kOpenApiJson, nullptr, /*allow_exceptions=*/false);
  return document;
}

}  // namespace anvil::admin
