# Warnings for Anvil's own targets (not for third-party headers, which come in as SYSTEM). GCC's -Wshadow=local
# has no clang spelling; clang (the fuzz build) would warn about the unknown option.
add_library(anvil_warnings INTERFACE)
target_compile_options(anvil_warnings INTERFACE -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
                                                 -Wnon-virtual-dtor
                                                 -Wcast-qual -Wformat=2 -Wimplicit-fallthrough)
if(ANVIL_WERROR)
  target_compile_options(anvil_warnings INTERFACE -Werror)
endif()
