# Every third-party dependency, found once. All come from Debian 12 packages (scripts/install-deps).

# base's: threads, Boost.Context (fiber.cc's stack switching) and, for its tests, GoogleTest.
find_package(Threads REQUIRED)
if(NOT CMAKE_CROSSCOMPILING)
  find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS context)
else()
  # A cross build (cmake/toolchains/) links the target architecture's runtime library, Debian multiarch
  # libboost-context1.81.0:<arch>, with the build machine's Boost headers (the same on every architecture).
  # The target's -dev package would pull in the target's whole C++ development chain, whose Multi-Arch
  # packages must have the build machine's versions: installing it upgrades the build machine's OpenSSL and
  # kernel headers whenever they lag the mirror (scripts/install-deps).
  find_path(ANVIL_BOOST_INCLUDE_DIR boost/context/fiber.hpp REQUIRED)
  find_library(ANVIL_BOOST_CONTEXT_LIBRARY NAMES libboost_context.so.1.81.0 REQUIRED)
  add_library(Boost::context SHARED IMPORTED)
  set_target_properties(Boost::context PROPERTIES IMPORTED_LOCATION ${ANVIL_BOOST_CONTEXT_LIBRARY}
                                                  INTERFACE_INCLUDE_DIRECTORIES ${ANVIL_BOOST_INCLUDE_DIR})
endif()
if(ANVIL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(ANVIL_BASE_ONLY)
  return()
endif()

find_package(PkgConfig REQUIRED)
find_package(OpenSSL 3.0 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)
pkg_check_modules(LDNS REQUIRED IMPORTED_TARGET ldns)
pkg_check_modules(IDN2 REQUIRED IMPORTED_TARGET libidn2)  # IDNA2008 A-label checks (acme/types.cc)
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)  # the console's QR codes (console/qr_code.cc)
pkg_check_modules(TSS2 REQUIRED IMPORTED_TARGET tss2-esys tss2-tctildr tss2-mu tss2-rc)  # agent/tpm (TPM attestation)

# anvil_malloc: the allocator of the long-running, many-threaded programs (anvil-ca, anvil-bench). jemalloc's
# per-thread caches cost a sixth less server CPU per issuance than glibc's malloc under load (docs/performance.md).
# Sanitizer builds keep the sanitizers' own allocator.
option(ANVIL_JEMALLOC "Link anvil-ca and anvil-bench with jemalloc" ON)
add_library(anvil_malloc INTERFACE)
if(ANVIL_JEMALLOC AND NOT ANVIL_SANITIZE)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
  target_link_libraries(anvil_malloc INTERFACE PkgConfig::JEMALLOC)
endif()
if(ANVIL_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
