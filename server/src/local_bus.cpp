// One node, no PostgreSQL: publish() calls the handler right away on the
// publisher's thread, so delivery has the same single code path as with
// several nodes.
#include <atomic>
#include <mutex>

#include "event_bus.hpp"

namespace parley::server {

namespace {

class local_bus final : public event_bus {
  public:
    void on_event(handler h) override {
        std::lock_guard lock(mu_);
        handler_ = std::move(h);
    }

    void start() override { running_ = true; }

    // Like LISTEN/NOTIFY, nothing is delivered before start() or after
    // stop(). The handler may run on several publishing threads at once.
    void publish(const std::string& payload) override {
        if (!running_) return;
        handler h;
        {
            std::lock_guard lock(mu_);
            h = handler_;
        }
        if (h) h(payload);
    }

    void stop() override { running_ = false; }

  private:
    std::mutex mu_;
    handler handler_;
    std::atomic<bool> running_{false};
};

}  // namespace

std::unique_ptr<event_bus> make_local_bus() {
    return std::make_unique<local_bus>();
}

}  // namespace parley::server
