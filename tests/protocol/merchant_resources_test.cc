#include "protocol/merchant_resources.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <string>

namespace sy::protocol {
namespace {

using namespace std::chrono_literals;

std::chrono::sys_seconds at(std::chrono::year_month_day date, std::chrono::seconds time) {
  return std::chrono::sys_days(date) + time;
}

payment sample_payment() {
  payment p;
  p.id = "pay_1";
  p.status = payment_status::captured;
  p.amount = money{1099, *find_currency("CNY")};
  p.amount_captured = 1099;
  p.merchant_reference = "order-123";
  p.description = "two \"teas\"";
  p.metadata = {{"cashier", "wang"}, {"table", "7"}};
  card_details card;
  card.number = "4111111111111111";
  card.exp_month = 12;
  card.exp_year = 2030;
  card.cvc = "123";
  p.payment_method = summarize(payment_method_details{card});
  p.channel = "icbc";
  p.authorization_code = "123456";
  p.rrn = "632500000001";
  p.response_code = "00";
  p.business_date = std::chrono::year_month_day(2026y / 11 / 21);
  p.created_at = at(2026y / 11 / 21, 23h + 18min + 45s);
  p.updated_at = at(2026y / 11 / 21, 23h + 18min + 46s);
  return p;
}

TEST(MerchantResources, PaymentGoldenString) {
  EXPECT_EQ(
      to_json(sample_payment()),
      R"({"id":"pay_1","object":"payment","status":"captured","amount":1099,)"
      R"("amount_captured":1099,"amount_refunded":0,"currency":"CNY",)"
      R"("merchant_reference":"order-123","description":"two \"teas\"",)"
      R"("metadata":{"cashier":"wang","table":"7"},)"
      R"("payment_method":{"type":"card","card":{"brand":"visa","bin":"411111","last4":"1111",)"
      R"("exp_month":12,"exp_year":2030}},"channel":"icbc","authorization_code":"123456",)"
      R"("rrn":"632500000001","response_code":"00","business_date":"2026-11-21",)"
      R"("created_at":"2026-11-21T23:18:45Z","updated_at":"2026-11-21T23:18:46Z"})");
}

TEST(MerchantResources, DeclinedPaymentShowsDeclineCodeAndNulls) {
  payment p = sample_payment();
  p.status = payment_status::declined;
  p.amount_captured = 0;
  p.description.reset();
  p.metadata.clear();
  p.authorization_code.reset();
  p.response_code = "51";
  p.decline_code = decline::insufficient_funds;
  p.business_date.reset();
  const std::string json = to_json(p);
  EXPECT_NE(json.find(R"("description":null,"metadata":{},)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("authorization_code":null,"rrn":"632500000001","response_code":"51",)"
                      R"("decline_code":"insufficient_funds","business_date":null,)"),
            std::string::npos)
      << json;
}

TEST(MerchantResources, PaymentWithoutDeclineHasNoDeclineKey) {
  EXPECT_EQ(to_json(sample_payment()).find("decline_code"), std::string::npos);
}

TEST(MerchantResources, ResponseNeverHoldsTheFullPanOrCvc) {
  const std::string json = to_json(sample_payment());
  EXPECT_EQ(json.find("4111111111111111"), std::string::npos);
  EXPECT_EQ(json.find("cvc"), std::string::npos);
  EXPECT_EQ(json.find("number"), std::string::npos);
}

TEST(MerchantResources, SerializationIsDeterministicAndValidJson) {
  const payment p = sample_payment();
  EXPECT_EQ(to_json(p), to_json(p));
  boost::system::error_code ec;
  const auto value = boost::json::parse(to_json(p), ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(value.at("payment_method").at("card").at("bin"), "411111");
}

TEST(MerchantResources, WalletPayment) {
  payment p = sample_payment();
  p.payment_method = summarize(payment_method_details{wallet_details{"alipay", "u@x.cn"}});
  EXPECT_NE(to_json(p).find(R"("payment_method":{"type":"wallet",)"
                            R"("wallet":{"provider":"alipay","account":"u@x.cn"}})"),
            std::string::npos);
}

TEST(MerchantResources, CardSummaryUsesTheBrandTable) {
  card_details card;
  card.number = "6221260000000000";
  card.exp_month = 1;
  card.exp_year = 2031;
  const card_summary summary = summarize(card);
  EXPECT_EQ(summary.brand, card_brand::unionpay);
  EXPECT_EQ(summary.bin, "622126");
  EXPECT_EQ(summary.last4, "0000");
}

TEST(MerchantResources, RefundGoldenString) {
  refund r;
  r.id = "re_1";
  r.payment_id = "pay_1";
  r.amount = money{500, *find_currency("CNY")};
  r.status = refund_status::succeeded;
  r.created_at = at(2026y / 1 / 2, 3h + 4min + 5s);
  EXPECT_EQ(to_json(r), R"({"id":"re_1","object":"refund","payment_id":"pay_1","amount":500,)"
                        R"("currency":"CNY","status":"succeeded","reason":null,)"
                        R"("created_at":"2026-01-02T03:04:05Z"})");
  r.reason = "returned";
  EXPECT_NE(to_json(r).find(R"("reason":"returned")"), std::string::npos);
}

TEST(MerchantResources, ListGoldenString) {
  EXPECT_EQ(list_to_json({}, false), R"({"object":"list","data":[],"has_more":false})");
  const payment payments[] = {sample_payment(), sample_payment()};
  const std::string json = list_to_json(payments, true);
  EXPECT_EQ(json, R"({"object":"list","data":[)" + to_json(payments[0]) + "," +
                      to_json(payments[1]) + R"(],"has_more":true})");
}

TEST(MerchantResources, TimeFormats) {
  EXPECT_EQ(format_rfc3339(std::chrono::sys_seconds{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(at(2024y / 2 / 29, 23h + 59min + 59s)), "2024-02-29T23:59:59Z");
  EXPECT_EQ(format_date(2026y / 11 / 21), "2026-11-21");
}

TEST(MerchantResources, ControlCharactersAreEscaped) {
  payment p = sample_payment();
  p.merchant_reference = std::string("a\x01\\b", 4);
  EXPECT_NE(to_json(p).find(R"("merchant_reference":"a\u0001\\b")"), std::string::npos);
}

}  // namespace
}  // namespace sy::protocol
