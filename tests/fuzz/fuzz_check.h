// Invariant checks for the fuzz targets: a failed check prints what broke and aborts, which libFuzzer
// reports as a crash and keeps the input (crash-<sha1>). Used instead of assert() so that NDEBUG never
// turns them off.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "acme/problem.h"
#include "base/status.h"

namespace anvil::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s %s\n", file, line, what, detail.c_str());
  std::abort();
}

#define FUZZ_CHECK(cond, detail)                                           \
  do {                                                                     \
    if (!(cond)) ::anvil::fuzz::Fail(__FILE__, __LINE__, #cond, (detail)); \
  } while (0)

// A refusal of client input is the client's error: never a server error (an internal code becomes a 500
// serverInternal problem and hides a parser that lost its way).
inline void CheckClientRefusal(const Status& status, const char* where) {
  FUZZ_CHECK(!status.ok(), std::string(where) + ": not a refusal");
  FUZZ_CHECK(acme::HttpStatusFor(status.code()) < 500, std::string(where) + ": " + status.ToString());
}

}  // namespace anvil::fuzz
