// Merchant API JSON: parse + validate a realistic create-payment request, serialize it again (the
// load driver's side), and serialize a payment response. Target (one core of this machine): >= 500,000 parses/s and >= 1,000,000
// serializations/s, so at the ~100,000 requests/s TLS front-end ceiling JSON costs under a third
// of a core.
#include <benchmark/benchmark.h>

#include <string>

#include "protocol/merchant_requests.h"
#include "protocol/merchant_resources.h"

namespace {

using namespace sy::protocol;

constexpr std::string_view create_payment_body =
    R"({"amount":1099,"currency":"CNY","merchant_reference":"order-20261121-000123",)"
    R"("payment_method":{"type":"card","card":{"number":"4111111111111111","exp_month":12,)"
    R"("exp_year":2030,"cvc":"123","holder_name":"Li Lei"}},"capture":true,)"
    R"("description":"2 x jasmine tea, 1 x dumplings","metadata":{"table":"7","cashier":"wang"}})";

void BM_ParseCreatePayment(benchmark::State& state) {
  for (auto _ : state) {
    auto parsed = parse_create_payment(create_payment_body);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(create_payment_body.size()));
}
BENCHMARK(BM_ParseCreatePayment);

void BM_SerializeCreatePayment(benchmark::State& state) {
  const auto request = parse_create_payment(create_payment_body);
  for (auto _ : state) {
    auto json = to_json(*request);
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SerializeCreatePayment);

void BM_SerializePayment(benchmark::State& state) {
  const auto request = parse_create_payment(create_payment_body);
  payment p;
  p.id = "pay_2Nf8x6Jq4Vb7Kc1Lm9Pz";
  p.status = payment_status::captured;
  p.amount = request->amount;
  p.amount_captured = request->amount.amount;
  p.merchant_reference = request->merchant_reference;
  p.description = request->description;
  p.metadata = request->metadata;
  p.payment_method = summarize(request->payment_method);
  p.channel = "icbc-main";
  p.authorization_code = "123456";
  p.rrn = "632523000123";
  p.response_code = "00";
  p.business_date = std::chrono::year_month_day(std::chrono::year(2026) / 11 / 21);
  p.created_at = std::chrono::sys_seconds(std::chrono::seconds(1'795'302'725));
  p.updated_at = p.created_at;
  for (auto _ : state) {
    auto json = to_json(p);
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SerializePayment);

}  // namespace
