# Cross build for 64-bit Arm Linux with Debian's cross compiler (g++-aarch64-linux-gnu). The target's
# libraries are Debian multiarch packages in /usr/lib/aarch64-linux-gnu (libboost-context1.81.0:arm64,
# libgtest-dev:arm64, libgmock-dev:arm64; scripts/install-deps); their headers are the build machine's, in
# /usr/include, which the cross compiler searches after its own. Programs run under qemu-user
# (qemu-aarch64-static; with libc6:arm64 installed it needs no sysroot). Only ANVIL_BASE_ONLY builds are
# supported: scripts/cross-check-aarch64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Runs the test binaries at build time (gtest_discover_tests) and in ctest.
find_program(ANVIL_QEMU_AARCH64 qemu-aarch64-static REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${ANVIL_QEMU_AARCH64})
