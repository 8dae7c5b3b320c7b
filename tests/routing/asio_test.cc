// The separately compiled Asio and Beast (routing/asio.cc) link and work: an io_context runs
// posted work, a TLS context accepts the switch's protocol floor, Beast serializes a request.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <sstream>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

TEST(AsioSeparateCompilation, RunsPostedWork) {
  asio::io_context io;
  int runs = 0;
  asio::post(io, [&runs] { ++runs; });
  EXPECT_EQ(io.run(), 1u);
  EXPECT_EQ(runs, 1);
}

TEST(AsioSeparateCompilation, CreatesATlsContextWithNoProtocolBelowTls12) {
  asio::ssl::context tls(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  tls.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                      asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1,
                  ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_NE(tls.native_handle(), nullptr);
}

TEST(BeastSeparateCompilation, SerializesARequest) {
  http::request<http::string_body> request{http::verb::get, "/healthz", 11};
  request.set(http::field::host, "localhost");
  std::ostringstream out;
  out << request;
  EXPECT_EQ(out.str(), "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
}

}  // namespace
