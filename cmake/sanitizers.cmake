if(ANVIL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
# The fuzz build (preset `fuzz`, clang only): every library is instrumented for libFuzzer's coverage feedback
# and runs under ASan and UBSan, any UBSan report aborting (a crash the fuzzer keeps); the fuzz targets add
# -fsanitize=fuzzer, which links libFuzzer's main (tests/fuzz/CMakeLists.txt).
if(ANVIL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ANVIL_FUZZ needs clang (libFuzzer): configure with the fuzz preset")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
