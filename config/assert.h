// Assertions for bugs, never for bytes from outside: SY_ASSERT (debug builds only) and SY_VERIFY
// (always on, for cheap invariants on money such as "refunded <= captured").
#pragma once

namespace sy::detail {
[[noreturn]] void assertion_failed(const char* expression, const char* file, int line) noexcept;
}  // namespace sy::detail

#define SY_VERIFY(expr) \
  ((expr) ? static_cast<void>(0) : ::sy::detail::assertion_failed(#expr, __FILE__, __LINE__))

#ifdef NDEBUG
#define SY_ASSERT(expr) static_cast<void>(sizeof(expr))
#else
#define SY_ASSERT(expr) SY_VERIFY(expr)
#endif
