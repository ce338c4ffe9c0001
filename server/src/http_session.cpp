#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/websocket.hpp>

#include "agent_session.hpp"
#include "shopper_session.hpp"
#include "ws_common.hpp"

namespace parley::server {

namespace net = boost::asio;
namespace http = beast::http;

namespace {
constexpr std::size_t max_body_bytes = 64 * 1024;
// A merchant's whole config (thousands of FAQs) goes to /api/config…, and
// only there, by a signed-in admin.
constexpr std::size_t max_config_body_bytes = 4 * 1024 * 1024;
constexpr std::size_t max_header_bytes = 16 * 1024;
}  // namespace

http_session::http_session(net::ip::tcp::socket&& socket, std::shared_ptr<hub> h)
    : stream_(std::move(socket)), hub_(std::move(h)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    ip_ = ec ? "unknown" : ep.address().to_string();
}

void http_session::run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::do_read() {
    parser_.emplace();
    // Beast checks Content-Length against the limit while parsing the
    // header, so the larger limit is set first and narrowed in on_header.
    parser_->body_limit(max_config_body_bytes);
    parser_->header_limit(max_header_bytes);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&http_session::on_header, shared_from_this()));
}

void http_session::on_header(beast::error_code ec, std::size_t bytes) {
    if (ec) return on_read(ec, bytes);
    const auto target = parser_->get().target();
    if (target.rfind("/api/config", 0) != 0) {
        const auto length = parser_->content_length();
        if (length && *length > max_body_bytes) return on_read(http::error::body_limit, bytes);
        parser_->body_limit(max_body_bytes);  // chunked bodies stop at the limit while read
    }
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == http::error::body_limit) {
        http_request req;
        req.version(11);
        auto res = error_response(req, 413, "request body too large (64 KiB; a config 4 MiB)");
        res.keep_alive(false);
        return do_write(std::move(res));
    }
    if (ec == http::error::header_limit) {
        http_request req;
        req.version(11);
        auto res = error_response(req, 431, "request headers too large");
        res.keep_alive(false);
        return do_write(std::move(res));
    }
    if (ec) return;  // timeout, reset, garbage: nothing to answer
    http_request req = parser_->release();
    if (websocket::is_upgrade(req)) {
        if (upgrade(req)) return;
        return;  // upgrade() wrote the refusal
    }
    do_write(handle_request(*hub_, req, ip_));
}

bool http_session::upgrade(http_request& req) {
    const std::string path(req.target().substr(0, req.target().find('?')));
    auto refuse = [&](unsigned status, std::string_view why) {
        auto res = error_response(req, status, why);
        res.keep_alive(false);
        do_write(std::move(res));
        return false;
    };
    if (!hub_->allow_connect(ip_)) return refuse(429, "too many connections; slow down");
    auto origin_it = req.find(http::field::origin);
    const std::string origin = origin_it == req.end() ? "" : std::string(origin_it->value());
    auto host_it = req.find(http::field::host);
    const std::string host = host_it == req.end() ? "" : std::string(host_it->value());
    if (!hub_->origin_allowed(origin, host)) return refuse(403, "origin not allowed");
    stream_.expires_never();  // the WebSocket has its own timeouts
    if (path == "/ws/shopper") {
        std::make_shared<shopper_session>(stream_.release_socket(), hub_, ip_)->run(std::move(req));
        return true;
    }
    if (path == "/ws/agent") {
        // The console is served by this server: a browser opening the agent
        // socket from any other page is cross-site WebSocket hijacking.
        if (!origin.empty() && origin != "http://" + host && origin != "https://" + host)
            return refuse(403, "the agent socket is only for this server's console");
        auto who = authenticate(*hub_, req);
        if (!who) return refuse(401, "sign in first");
        std::make_shared<agent_session>(stream_.release_socket(), hub_, who->agent)
            ->run(std::move(req));
        return true;
    }
    return refuse(404, "no WebSocket endpoint here");
}

void http_session::do_write(http_response res) {
    const bool keep_alive = res.keep_alive();
    response_ = std::make_shared<http_response>(std::move(res));
    http::async_write(
        stream_, *response_,
        beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    if (ec) return;
    response_.reset();
    if (!keep_alive) return do_close();
    do_read();
}

void http_session::do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
}

}  // namespace parley::server
