// The OpenAPI 3.1 description of the admin API, served at GET /admin/v1/openapi.json. The document is
// src/admin/openapi.json, compiled in at build time (CMake embeds it), so it is edited as JSON; each operation's
// x-anvil-role names the least role of its route, and admin_api_test checks that every route is described with
// its role. tests/interop/admin_api.sh validates real responses against its schemas.
#pragma once

#include <nlohmann/json.hpp>

namespace anvil::admin {

// Parsed once; thread-safe.
const nlohmann::json& OpenApiDocument();

}  // namespace anvil::admin
