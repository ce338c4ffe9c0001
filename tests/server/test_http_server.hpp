#pragma once
// A real HTTP server on 127.0.0.1 that stands in for systems outside Parley
// (a shop's order API, a webhook receiver): each test scripts its answers,
// including the bad ones (slow, 5xx, malformed), and reads back what arrived.
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace parley::test {

struct scripted_reply {
    unsigned status = 200;
    std::string body;
    int delay_ms = 0;  // answer late (timeouts)
};

class test_http_server {
  public:
    using request = boost::beast::http::request<boost::beast::http::string_body>;
    using handler = std::function<scripted_reply(const request&)>;

    explicit test_http_server(handler h, unsigned short port = 0)
        : state_(std::make_shared<state>()), acceptor_(ioc_) {
        state_->on_request = std::move(h);
        namespace net = boost::asio;
        const net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept_thread_ = std::thread([this] { accept_loop(); });
    }
    ~test_http_server() {
        stopping_ = true;
        try {  // wake the blocking accept
            boost::asio::io_context ioc;
            boost::asio::ip::tcp::socket s(ioc);
            s.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
        } catch (const std::exception&) {
        }
        accept_thread_.join();
        std::vector<std::thread> workers;
        {
            std::lock_guard lock(workers_mutex_);
            workers.swap(workers_);
        }
        for (auto& w : workers) w.join();
    }
    unsigned short port() const { return port_; }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    void set_handler(handler h) {
        std::lock_guard lock(state_->mutex);
        state_->on_request = std::move(h);
    }
    std::vector<request> requests() const {
        std::lock_guard lock(state_->mutex);
        return state_->seen;
    }

  private:
    struct state {
        mutable std::mutex mutex;
        handler on_request;
        std::vector<request> seen;
    };

    void accept_loop() {
        while (!stopping_) {
            boost::asio::ip::tcp::socket socket(ioc_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            if (ec || stopping_) continue;
            std::lock_guard lock(workers_mutex_);
            workers_.emplace_back(
                [s = state_, sock = std::move(socket)]() mutable { serve(*s, std::move(sock)); });
        }
    }

    static void serve(state& st, boost::asio::ip::tcp::socket socket) {
        namespace http = boost::beast::http;
        try {
            boost::beast::flat_buffer buffer;
            for (;;) {
                request req;
                http::read(socket, buffer, req);
                handler h;
                {
                    std::lock_guard lock(st.mutex);
                    st.seen.push_back(req);
                    h = st.on_request;
                }
                const scripted_reply r = h(req);
                if (r.delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(r.delay_ms));
                http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
                res.set(http::field::content_type, "application/json");
                res.body() = r.body;
                res.keep_alive(req.keep_alive());
                res.prepare_payload();
                http::write(socket, res);
                if (!req.keep_alive()) break;
            }
        } catch (const std::exception&) {
            // the client went away (or timed out and closed)
        }
    }

    std::shared_ptr<state> state_;
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread accept_thread_;
    std::mutex workers_mutex_;
    std::vector<std::thread> workers_;
};

}  // namespace parley::test
