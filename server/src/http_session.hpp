#pragma once
// One HTTP connection: reads requests (bounded header and body), answers
// them through handle_request(), and hands WebSocket upgrades to a shopper or
// agent session after the Origin, rate and sign-in checks.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "api.hpp"
#include "hub.hpp"

namespace parley::server {

class http_session : public std::enable_shared_from_this<http_session> {
  public:
    http_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<hub> h);
    void run();

  private:
    void do_read();
    void on_header(boost::beast::error_code ec, std::size_t bytes);
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void do_write(http_response res);
    void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
    void do_close();
    bool upgrade(http_request& req);

    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::shared_ptr<hub> hub_;
    std::string ip_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::shared_ptr<http_response> response_;
};

}  // namespace parley::server
