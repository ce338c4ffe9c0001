#include "webhooks.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auth.hpp"
#include "frames.hpp"
#include "http_client.hpp"
#include "logger.hpp"
#include "metrics.hpp"
#include "shop_endpoint.hpp"

namespace parley::server {

namespace net = boost::asio;
using nlohmann::json;

webhook_dispatcher::webhook_dispatcher(net::io_context& ioc, store& db, http_client& http,
                                       logger& log, metrics_registry& metrics,
                                       secret_lookup secret_for, webhook_settings settings)
    : strand_(net::make_strand(ioc)),
      db_(db),
      http_(http),
      log_(log),
      metrics_(metrics),
      secret_for_(std::move(secret_for)),
      settings_(settings),
      timer_(strand_) {}

void webhook_dispatcher::start() {
    net::co_spawn(strand_, do_run(), net::detached);
}

void webhook_dispatcher::stop() {
    stopped_ = true;
    net::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
}

void webhook_dispatcher::wake() {
    net::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
}

net::awaitable<void> webhook_dispatcher::do_run() {
    auto self = shared_from_this();  // alive while the loop runs
    while (!stopped_) {
        std::vector<outbox_record> due;
        try {
            // The lease outlasts one attempt, so a live node never sends an
            // entry twice at once; a dead node's lease just runs out.
            const auto lease = settings_.timeout * 2 + std::chrono::seconds(5);
            due = db_.claim_outbox(now_ms(), lease.count(), 20);
        } catch (const std::exception& e) {
            log_.warn("webhook_claim_failed", {{"error", e.what()}});
        }
        for (auto& entry : due) {
            if (stopped_) break;
            co_await deliver(std::move(entry));
        }
        if (due.size() == 20) continue;  // more are waiting
        timer_.expires_after(settings_.poll);
        boost::system::error_code ec;
        co_await timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
}

net::awaitable<void> webhook_dispatcher::deliver(outbox_record entry) {
    const auto secret = secret_for_(entry.url);
    const auto now = now_ms();
    if (!secret) {
        db_.finish_outbox(entry.id, outbox_state::failed, 0, "receiver removed from the config",
                          now, now);
        co_return;
    }
    outbound_request req;
    req.method = "POST";
    req.url = entry.url;
    req.body = entry.payload;
    req.timeout = settings_.timeout;
    req.max_response_bytes = 64 * 1024;
    const auto ts = now / 1000;
    req.headers["X-Parley-Event"] = entry.event;
    req.headers["X-Parley-Delivery"] = entry.event_id;
    req.headers["X-Parley-Timestamp"] = std::to_string(ts);
    req.headers["X-Parley-Signature"] = signature_header(*secret, ts, entry.payload);
    const auto res = co_await http_.fetch(std::move(req));
    const auto done = now_ms();
    try {
        if (res.ok()) {
            db_.finish_outbox(entry.id, outbox_state::delivered, res.status, "", done, done);
        } else {
            const std::string error = res.status ? "HTTP " + std::to_string(res.status) : res.error;
            const bool give_up = entry.attempts >= settings_.max_attempts;
            const auto delay =
                retry_delay(entry.attempts, settings_.backoff_base, settings_.backoff_cap);
            db_.finish_outbox(entry.id, give_up ? outbox_state::failed : outbox_state::pending,
                              res.status, error, done + delay.count(), done);
            log_.warn("webhook_attempt_failed", {{"event", entry.event},
                                                 {"delivery", entry.event_id},
                                                 {"attempt", entry.attempts},
                                                 {"error", error},
                                                 {"gave_up", give_up}});
        }
        metrics_
            .counter("parley_webhook_attempts_total", "Webhook delivery attempts by result",
                     {{"result", res.ok() ? "delivered" : "failed"}})
            .inc();
    } catch (const std::exception& e) {
        log_.warn("webhook_finish_failed", {{"error", e.what()}});
    }
}

}  // namespace parley::server
