#pragma once
// Accepts TCP connections and gives each its own strand and http_session.
#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "hub.hpp"

namespace parley::server {

class listener : public std::enable_shared_from_this<listener> {
  public:
    // Throws std::system_error if the address cannot be bound.
    listener(boost::asio::io_context& ioc, boost::asio::ip::tcp::endpoint endpoint,
             std::shared_ptr<hub> h);
    void run();
    void stop();
    unsigned short port() const;

  private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<hub> hub_;
};

}  // namespace parley::server
