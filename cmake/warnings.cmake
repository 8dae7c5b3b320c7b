# Project-wide warning flags; sy_warnings is linked privately by every project target.
add_library(sy_warnings INTERFACE)
target_compile_options(sy_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${SY_WERROR}>:-Werror>)
