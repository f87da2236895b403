# Every third-party dependency, found once. All come from Debian 12 packages (scripts/install-deps).
find_package(PkgConfig REQUIRED)
find_package(OpenSSL 3.0 REQUIRED)
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS context)  # context: base/fiber.cc
find_package(nlohmann_json 3.11 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)
pkg_check_modules(LDNS REQUIRED IMPORTED_TARGET ldns)

# anvil_malloc: the allocator of the long-running, many-threaded programs (anvil-ca, anvil-bench). jemalloc's
# per-thread caches cost a sixth less server CPU per issuance than glibc's malloc under load (docs/performance.md).
# Sanitizer builds keep the sanitizers' own allocator.
option(ANVIL_JEMALLOC "Link anvil-ca and anvil-bench with jemalloc" ON)
add_library(anvil_malloc INTERFACE)
if(ANVIL_JEMALLOC AND NOT ANVIL_SANITIZE)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
  target_link_libraries(anvil_malloc INTERFACE PkgConfig::JEMALLOC)
endif()
if(ANVIL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(ANVIL_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
