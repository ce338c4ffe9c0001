#include "listener.hpp"

#include <boost/asio/strand.hpp>
#include <system_error>

#include "http_session.hpp"

namespace parley::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

listener::listener(net::io_context& ioc, tcp::endpoint endpoint, std::shared_ptr<hub> h)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), hub_(std::move(h)) {
    boost::system::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::system_error(ec.value(), std::generic_category(),
                                "cannot listen on " + endpoint.address().to_string() + ":" +
                                    std::to_string(endpoint.port()));
}

unsigned short listener::port() const {
    return acceptor_.local_endpoint().port();
}

void listener::run() {
    do_accept();
}

void listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ec;
        self->acceptor_.close(ec);
    });
}

void listener::do_accept() {
    acceptor_.async_accept(
        net::make_strand(ioc_),
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
            self->on_accept(ec, std::move(socket));
        });
}

void listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<http_session>(std::move(socket), hub_)->run();
    } else if (ec == net::error::no_descriptors) {
        // Out of file descriptors: say so and keep accepting once some close.
        hub_->log().error("accept_failed", {{"error", ec.message()}});
    }
    do_accept();
}

}  // namespace parley::server
