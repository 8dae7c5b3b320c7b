// Route selection allocates nothing per lookup: a counting global operator new around plan() and
// next() over a table of 10,000 BIN ranges.
#include "routing/route_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "route_test_support.h"

namespace {
std::atomic<long> allocation_count{0};
}  // namespace

// Replaces the global allocation functions of this test binary to count them. GCC inlines these
// into the library's deallocations and then mistakes the malloc/free pair for a new/free mismatch.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

using namespace sy::routing;
using namespace sy::routing::test;

TEST(RouteAllocation, LookupAndFailoverAllocateNothing) {
  std::vector<sy::config::route> routes;
  for (int k = 0; k < 10; ++k) {
    auto r = route("r" + std::to_string(k), {"a", "b", "c"});
    r.weights = {5, 3, 2};
    for (int i = 0; i < 1000; ++i) r.bins.push_back(bins(std::to_string(400000 + i * 10 + k)));
    routes.push_back(std::move(r));
  }
  auto merchant_rule = route("merchant", {"d"});
  merchant_rule.merchants = {"m1", "m2"};
  routes.push_back(std::move(merchant_rule));
  const auto table = table_of(std::move(routes));
  auto board = board_up();
  const channel_health::clock::time_point now{std::chrono::hours(1000)};
  const std::string pans[] = {"4012371111111111", "5500005555555559", "4000001111111111"};

  const long before = allocation_count.load();
  ASSERT_GT(before, 0);  // the counter sees allocations: building the table made some
  std::size_t offered = 0;
  for (std::uint64_t i = 0; i < 3000; ++i) {
    auto request = card_request(pans[i % 3]);
    request.split_key = i;
    auto plan = table.plan(request);
    while (plan.next(board, now)) ++offered;
  }
  EXPECT_EQ(allocation_count.load() - before, 0);
  EXPECT_EQ(offered, 1000u * 3 + 1000 + 1000 * 3);
}

}  // namespace
