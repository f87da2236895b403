// Test-only crash points (issue 13, faults): `ANVIL_CRASH_POINT("issuance.after_sign")` marks a step after
// which a crash must lose nothing and issue nothing twice. In a build with the CMake option ANVIL_TEST_HOOKS
// (the debug and asan-ubsan presets) the process kills itself with SIGKILL — no destructors, no buffered
// output, as `kill -9` would (unlike a power cut, what was written to the kernel survives) — when the
// environment variable ANVIL_CRASH_AT names the point:
//
//   ANVIL_CRASH_AT=issuance.after_sign      the first time the point is reached
//   ANVIL_CRASH_AT=issuance.after_sign:5    the fifth time (so that other requests are in flight: under load)
//
// ANVIL_CRASH_AT is read once, at the first point reached; a value that names no point below, or a bad count,
// stops the process there with exit code 2 and a message, so a misspelt test cannot pass by never crashing.
// Likewise a point in the code whose name is not listed below stops the process when reached.
// Without ANVIL_TEST_HOOKS (the release preset) the macro expands to nothing: the binary holds neither the
// names nor the variable's (`strings anvil-ca | grep ANVIL_CRASH_AT` finds nothing).
//
// The points and what a crash there leaves (docs/issuance.md, docs/security.md "Faults"):
//   issuance.after_reserve   the serial is reserved: the order processing with a pending certificate
//                            (BeginIssuance committed), nothing signed yet
//   issuance.after_sign      signed, the signature only in memory (FinishIssuance not begun)
//   issuance.before_valid    inside FinishIssuance's transaction: the certificate row written as issued but
//                            the order not yet valid, nothing committed
//   issuance.after_store     FinishIssuance committed (certificate issued, order valid), the finalize
//                            response not yet sent
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

namespace anvil::crash {

#ifdef ANVIL_TEST_HOOKS

// The names above, in issuance order; a name used with ANVIL_CRASH_POINT must be one of them.
inline constexpr std::string_view kCrashPoints[] = {"issuance.after_reserve", "issuance.after_sign",
                                                    "issuance.before_valid", "issuance.after_store"};

// ANVIL_CRASH_AT's value: the point and the hit (1 = the first) that kills.
struct CrashSpec {
  std::string point;
  int hit = 1;
};

// "point" or "point:N" with a known point and 1 ≤ N ≤ 1,000,000; nullopt otherwise.
std::optional<CrashSpec> ParseCrashSpec(std::string_view text);

// Counts the hits of `spec`'s point; Reached returns true exactly once, at its hit. Thread-safe.
class CrashCounter {
 public:
  explicit CrashCounter(CrashSpec spec) : spec_(std::move(spec)) {}
  bool Reached(std::string_view point);

 private:
  const CrashSpec spec_;
  std::atomic<int> hits_{0};
};

// The point `point` is reached: kills the process if ANVIL_CRASH_AT says so (see above).
void Reached(std::string_view point);

#define ANVIL_CRASH_POINT(point) ::anvil::crash::Reached(point)

#else

#define ANVIL_CRASH_POINT(point) static_cast<void>(0)

#endif

}  // namespace anvil::crash
