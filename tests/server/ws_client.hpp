#pragma once
// Blocking test clients over real sockets: a WebSocket client whose reads
// time out (SO_RCVTIMEO) so a missing frame fails the test instead of
// hanging it, and a one-shot HTTP request helper.
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace parley::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using nlohmann::json;

inline void set_read_timeout(tcp::socket& s, int ms) {
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

struct http_result {
    unsigned status = 0;
    std::string body;
    std::map<std::string, std::string> headers;
    json body_json() const { return json::parse(body, nullptr, false); }
};

inline http_result http_call(unsigned short port, http::verb method, const std::string& target,
                             const std::string& body = {},
                             const std::map<std::string, std::string>& headers = {}) {
    net::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    set_read_timeout(socket, 10000);
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    http::write(socket, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (method == http::verb::head) parser.skip(true);
    http::read(socket, buffer, parser);
    http_result r;
    auto res = parser.release();
    r.status = res.result_int();
    r.body = res.body();
    for (const auto& f : res) r.headers[std::string(f.name_string())] = std::string(f.value());
    return r;
}

class ws_client {
  public:
    ws_client(unsigned short port, const std::string& path,
              const std::map<std::string, std::string>& headers = {}, int timeout_ms = 10000)
        : ws_(ioc_), timeout_ms_(timeout_ms) {
        auto& sock = ws_.next_layer();
        sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
            for (const auto& [k, v] : headers) req.set(k, v);
        }));
        ws_.read_message_max(64 * 1024 * 1024);
        ws_.handshake("127.0.0.1:" + std::to_string(port), path);
    }

    void send(const json& frame) { send_raw(frame.dump()); }
    void send_raw(const std::string& data, bool binary = false) {
        ws_.binary(binary);
        beast::error_code result = net::error::would_block;
        ws_.async_write(net::buffer(data), [&](beast::error_code ec, std::size_t) { result = ec; });
        ioc_.restart();
        while (result == net::error::would_block) {
            if (ioc_.run_one_for(std::chrono::milliseconds(timeout_ms_)) == 0)
                throw std::runtime_error("timed out sending a frame");
        }
        if (result) throw beast::system_error(result);
    }

    // The next frame; throws on timeout or close.
    json next() {
        if (!backlog_.empty()) {
            json j = backlog_.front();
            backlog_.erase(backlog_.begin());
            return j;
        }
        return read_one(timeout_ms_);
    }

    // One frame within `ms`. Asio's blocking reads ignore SO_RCVTIMEO, so
    // reads are asynchronous with a bounded run of the io_context; a read
    // that times out stays pending and the next call picks it up, so a
    // timeout never loses a frame or breaks the stream.
    json read_one(int ms) {
        if (!pending_) {
            pending_ = true;
            buffer_.clear();
            ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
                result_ = ec;
                pending_ = false;
            });
        }
        ioc_.restart();
        ioc_.run_for(std::chrono::milliseconds(ms));
        if (pending_) throw std::runtime_error("timed out waiting for a frame");
        if (result_) throw beast::system_error(result_);
        return json::parse(beast::buffers_to_string(buffer_.data()));
    }

    // Reads until a frame matches; frames skipped on the way are kept for
    // later wait_for calls (order preserved), so tests can wait for things
    // in any order.
    json wait_for(const std::function<bool(const json&)>& match) {
        for (std::size_t i = 0; i < backlog_.size(); ++i) {
            if (match(backlog_[i])) {
                json j = backlog_[i];
                backlog_.erase(backlog_.begin() + static_cast<std::ptrdiff_t>(i));
                return j;
            }
        }
        for (int n = 0; n < 10000; ++n) {
            json j = read_one(timeout_ms_);
            if (match(j)) return j;
            backlog_.push_back(std::move(j));
        }
        throw std::runtime_error("no matching frame");
    }
    json wait_type(const std::string& type) {
        return wait_for([&](const json& j) { return j.value("type", "") == type; });
    }
    // Every frame received so far and not consumed, plus whatever arrives
    // within `ms` milliseconds.
    std::vector<json> drain(int ms) {
        try {
            for (;;) backlog_.push_back(read_one(ms));
        } catch (const std::exception&) {
        }
        std::vector<json> out;
        out.swap(backlog_);
        return out;
    }
    // Reads until the server closes; returns the close code (or -1 on timeout).
    int wait_close() {
        try {
            for (;;) read_one(timeout_ms_);
        } catch (const beast::system_error& e) {
            if (e.code() == websocket::error::closed) return ws_.reason().code;
            last_error_ = e.code().message();
            return -2;
        } catch (const std::exception&) {
            return -1;
        }
    }
    void drop() {
        beast::error_code ec;
        ws_.next_layer().shutdown(tcp::socket::shutdown_both, ec);
        ws_.next_layer().close(ec);
    }

  private:
    net::io_context ioc_;
    websocket::stream<tcp::socket> ws_;
    int timeout_ms_;

  public:
    std::string last_error_;

  private:
    std::vector<json> backlog_;
    beast::flat_buffer buffer_;
    beast::error_code result_;
    bool pending_ = false;
};

}  // namespace parley::test
