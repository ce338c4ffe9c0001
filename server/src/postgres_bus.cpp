// Several nodes sharing PostgreSQL: events travel by NOTIFY on channel
// `parley_events`. Listening needs a connection of its own (it sits idle
// waiting for notifications), watched by one thread with poll() so stop()
// is prompt; publishing uses a second connection so a publisher never waits
// behind the listener.
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "event_bus.hpp"

namespace parley::server {

namespace {

// PostgreSQL refuses a NOTIFY payload of 8000 bytes or more.
constexpr std::size_t max_payload = 7999;
constexpr auto poll_interval = std::chrono::milliseconds(100);
constexpr auto first_backoff = std::chrono::milliseconds(100);
constexpr auto max_backoff = std::chrono::milliseconds(5000);

// Delivered to the handler after the listening connection came back: events
// published while it was down are lost, so receivers should re-read what
// they show from the store.
constexpr const char* reconnected_payload = R"({"type":"bus_reconnected"})";

std::string trimmed(const char* msg) {
    std::string s = msg ? msg : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

void ignore_notice(void*, const char*) {}

PGconn* connect(const std::string& url) {
    PGconn* c = PQconnectdb(url.c_str());
    if (!c) throw std::runtime_error("event bus: out of memory connecting to postgresql");
    if (PQstatus(c) != CONNECTION_OK) {
        std::string msg = trimmed(PQerrorMessage(c));
        PQfinish(c);
        throw std::runtime_error("event bus: cannot connect to postgresql: " + msg);
    }
    PQsetNoticeProcessor(c, ignore_notice, nullptr);
    return c;
}

PGconn* connect_and_listen(const std::string& url) {
    PGconn* c = connect(url);
    PGresult* r = PQexec(c, "LISTEN parley_events");
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    std::string msg = ok ? "" : trimmed(PQresultErrorMessage(r));
    PQclear(r);
    if (!ok) {
        PQfinish(c);
        throw std::runtime_error("event bus: LISTEN failed: " + msg);
    }
    return c;
}

class postgres_bus final : public event_bus {
  public:
    explicit postgres_bus(std::string url) : url_(std::move(url)) {}

    ~postgres_bus() override { stop(); }

    void on_event(handler h) override { handler_ = std::move(h); }

    // Connects both connections before returning, so a bad URL fails at
    // start-up and an event published after start() returns is received.
    void start() override {
        if (thread_.joinable()) return;
        PGconn* listen = connect_and_listen(url_);
        {
            std::lock_guard lock(publish_mu_);
            if (!publisher_) {
                try {
                    publisher_ = connect(url_);
                } catch (...) {
                    PQfinish(listen);
                    throw;
                }
            }
        }
        {
            std::lock_guard lock(stop_mu_);
            stopping_ = false;
        }
        thread_ = std::thread([this, listen] { run(listen); });
    }

    void publish(const std::string& payload) override {
        if (payload.size() > max_payload) {
            throw std::length_error("event bus: payload of " + std::to_string(payload.size()) +
                                    " bytes exceeds the NOTIFY limit");
        }
        std::lock_guard lock(publish_mu_);
        std::string error;
        // A second try after a reset covers a connection that dropped while
        // idle; a duplicate event is harmless (receivers re-read the store).
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (!publisher_) {
                try {
                    publisher_ = connect(url_);
                } catch (const std::exception& e) {
                    error = e.what();
                    continue;
                }
            } else if (PQstatus(publisher_) != CONNECTION_OK) {
                PQreset(publisher_);
            }
            const char* values[] = {payload.c_str()};
            PGresult* r = PQexecParams(publisher_, "SELECT pg_notify('parley_events', $1)", 1,
                                       nullptr, values, nullptr, nullptr, 0);
            const bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
            error = ok ? "" : trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(publisher_));
            PQclear(r);
            if (ok) return;
            if (PQstatus(publisher_) == CONNECTION_OK) break;  // a real error: retrying won't help
        }
        throw std::runtime_error("event bus: publish failed: " + error);
    }

    // Not from inside the handler: it runs on the thread stop() joins.
    void stop() override {
        {
            std::lock_guard lock(stop_mu_);
            stopping_ = true;
        }
        stop_cv_.notify_all();
        if (thread_.joinable()) thread_.join();
        std::lock_guard lock(publish_mu_);
        if (publisher_) PQfinish(publisher_);
        publisher_ = nullptr;
    }

  private:
    bool stopping() {
        std::lock_guard lock(stop_mu_);
        return stopping_;
    }

    // Sleeps `d` unless stop() comes first; returns false when stopping.
    bool pause(std::chrono::milliseconds d) {
        std::unique_lock lock(stop_mu_);
        return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
    }

    void deliver(const std::string& payload) {
        if (!handler_) return;
        try {
            handler_(payload);
        } catch (const std::exception& e) {
            // The listener must outlive a faulty handler.
            std::fprintf(stderr, "event bus: handler failed: %s\n", e.what());
        } catch (...) {
            std::fprintf(stderr, "event bus: handler failed\n");
        }
    }

    void run(PGconn* conn) {
        auto backoff = first_backoff;
        while (!stopping()) {
            if (!conn) {
                try {
                    conn = connect_and_listen(url_);
                    backoff = first_backoff;
                    deliver(reconnected_payload);
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "%s (retrying in %lld ms)\n", e.what(),
                                 static_cast<long long>(backoff.count()));
                    if (!pause(backoff)) break;
                    backoff = std::min(backoff * 2, max_backoff);
                    continue;
                }
            }
            pollfd pfd{PQsocket(conn), POLLIN, 0};
            const int rc =
                pfd.fd < 0 ? -1 : ::poll(&pfd, 1, static_cast<int>(poll_interval.count()));
            bool broken = (rc < 0 && errno != EINTR) || pfd.fd < 0;
            if (rc > 0 && !PQconsumeInput(conn)) broken = true;
            while (PGnotify* n = PQnotifies(conn)) {
                std::string payload = n->extra ? n->extra : "";
                PQfreemem(n);
                deliver(payload);
            }
            if (broken || PQstatus(conn) != CONNECTION_OK) {
                std::fprintf(stderr, "event bus: lost the listening connection: %s\n",
                             trimmed(PQerrorMessage(conn)).c_str());
                PQfinish(conn);
                conn = nullptr;
            }
        }
        if (conn) PQfinish(conn);
    }

    std::string url_;
    handler handler_;
    std::thread thread_;
    std::mutex stop_mu_;
    std::condition_variable stop_cv_;
    bool stopping_ = false;
    std::mutex publish_mu_;
    PGconn* publisher_ = nullptr;
};

}  // namespace

std::unique_ptr<event_bus> make_postgres_bus(const std::string& url) {
    return std::make_unique<postgres_bus>(url);
}

}  // namespace parley::server
