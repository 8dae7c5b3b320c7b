// The one translation unit that compiles Boost.Asio (with its OpenSSL support) and Boost.Beast;
// every other unit sees only their declarations (BOOST_*_SEPARATE_COMPILATION).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
