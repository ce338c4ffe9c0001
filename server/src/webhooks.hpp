#pragma once
// Outbound webhooks: signed events to the merchant's receivers, delivered at
// least once from the store's outbox.
//
// An event becomes one outbox entry per receiver that wants it, written by
// the store in the same transaction as the change it reports; a dispatcher
// on every node takes due entries (leased, so two nodes never send one at
// the same time), POSTs them and records the answer. 2xx = delivered; anything else is retried with
// exponential backoff (1 s, 2 s, 4 s … capped at 5 min) until max_attempts,
// then marked failed. A restart or a kill -9 loses nothing: the entries wait
// in the store. Receivers dedupe on X-Parley-Delivery (the event id).
//
// Headers: X-Parley-Event, X-Parley-Delivery, X-Parley-Timestamp (Unix
// seconds), X-Parley-Signature = "v1=" + hex(HMAC-SHA256(secret, "<ts>.<body>")).
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "parley/config.hpp"
#include "store.hpp"

namespace parley::server {

class http_client;
class logger;
class metrics_registry;

struct webhook_settings {
    int max_attempts = 12;
    std::chrono::milliseconds poll{1000};          // a node looks for due entries this often
    std::chrono::milliseconds backoff_base{1000};  // first retry after this
    std::chrono::milliseconds backoff_cap{300'000};
    std::chrono::milliseconds timeout{5000};  // per attempt
};

class webhook_dispatcher : public std::enable_shared_from_this<webhook_dispatcher> {
  public:
    // The current signing secret of a receiver URL (as stored in the outbox);
    // nullopt when the merchant removed that receiver (its entries fail).
    using secret_lookup = std::function<std::optional<std::string>(const std::string& url)>;
    webhook_dispatcher(boost::asio::io_context& ioc, store& db, http_client& http, logger& log,
                       metrics_registry& metrics, secret_lookup secret_for,
                       webhook_settings settings = {});
    void start();
    void stop();
    void wake();  // an event was just queued: look now instead of at the next poll

  private:
    boost::asio::awaitable<void> do_run();
    boost::asio::awaitable<void> deliver(outbox_record entry);

    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    store& db_;
    http_client& http_;
    logger& log_;
    metrics_registry& metrics_;
    secret_lookup secret_for_;
    webhook_settings settings_;
    boost::asio::steady_timer timer_;
    std::atomic<bool> stopped_{false};
};

}  // namespace parley::server
